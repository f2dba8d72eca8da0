#!/usr/bin/env bash
# Start-up (issue 6): the bare JVM, `vde --version` and `vde info` on a small image, through the
# launcher target/vde and through plain `java -jar target/vde.jar`, in one run; then the steps
# between them one at a time.
#
#   src/bench/startup.sh [RUNS]      (default: 20; builds target/vde if absent)
#
# The rows run in rounds, one run of each row per round, so a change in the machine's load
# touches every row alike; the table shows each row's median wall time, its median CPU time
# (user + system, the JVM's compiler and GC threads included) and the wall time over that of
# `java -version` (the target: vde info within 2x). The machine is shared and noisy: compare
# ratios from one run, not milliseconds across runs.
#
# The steps, each on `info IMG`: the stock picocli jar (Java 5 class files, from the local Maven
# repository) in a copy of vde.jar, through picocli's parser (`--debug` always takes it), without
# and with its own class-data archive (which skips those classes); vde.jar as built (picocli from
# its sources) with vde.jsa, through picocli's parser, then through the lean path (Main -> Lean),
# then the launcher. Then the options tried and left out of the launcher: -XX:+UseSerialGC,
# -XX:TieredStopAtLevel=1, the export of sun.nio.ch that the jar needed before (as an option), and
# -jar instead of -cp.
set -euo pipefail
runs=${1:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
jar=$root/target/vde.jar
jsa=$root/target/vde.jsa
vde=$root/target/vde
[ -x "$vde" ] && [ -f "$jar" ] || (cd "$root" && mvn -B -q -Dstyle.color=never -DskipTests package >&2)
[ -f "$jsa" ] || { echo "startup.sh: no target/vde.jsa: this JVM wrote no class-data archive" >&2; exit 1; }
if [ -d /dev/shm ]; then tmp=/dev/shm; else tmp=${TMPDIR:-/tmp}; fi
dir=$(mktemp -d "$tmp/vde-startup.XXXXXX")
trap 'rm -rf "$dir"' EXIT
img=$dir/small.vde
"$vde" format "$img" --size 16M > /dev/null
echo 'hello, vde' | "$vde" write "$img" hello.txt
exports=(--add-exports java.base/sun.nio.ch=ALL-UNNAMED)
quiet=(-Xshare:auto -Xlog:disable -Xlog:all=warning,cds*=off:stderr)

# A copy of vde.jar with the stock picocli classes, and its own archive from the same training.
version=$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' "$root/pom.xml")
stock_picocli=${MAVEN_REPO:-$HOME/.m2/repository}/info/picocli/picocli/$version/picocli-$version.jar
stock=$dir/stock/vde.jar
if [ -f "$stock_picocli" ]; then
  mkdir -p "$dir/stock/x"
  cp "$jar" "$stock"
  (cd "$dir/stock/x" && unzip -q "$stock_picocli" 'picocli/*' && zip -q -r "$stock" picocli)
  java -cp "$stock" dev.vde.cli.Training "$dir/stock/vde.jsa" "$root/src/main/sh/vde" "$dir/stock/vde" 2> /dev/null
else
  echo "startup.sh: no $stock_picocli (run mvn package once): the stock picocli rows are left out" >&2
  stock=
fi

labels=()
cmds=()
row() { labels+=("$1"); cmds+=("$2"); }
arch=(-XX:SharedArchiveFile="$jsa")
row "java -version" 'java -version'
row "vde --version" '"$vde" --version'
row "vde info IMG" '"$vde" info "$img"'
row "java -jar vde.jar --version" 'java -jar "$jar" --version'
row "java -jar vde.jar info IMG" 'java -jar "$jar" info "$img"'
split=$((${#cmds[@]} - 1))
if [ -n "$stock" ]; then
  row "stock picocli, picocli parser" 'java -cp "$stock" dev.vde.cli.Main --debug info "$img"'
  row "  + its archive" 'java "${quiet[@]}" -XX:SharedArchiveFile="$dir/stock/vde.jsa" -cp "$stock" dev.vde.cli.Main --debug info "$img"'
fi
row "picocli from sources + vde.jsa" 'java "${quiet[@]}" "${arch[@]}" -cp "$jar" dev.vde.cli.Main --debug info "$img"'
row "  + lean path (no picocli)" 'java "${quiet[@]}" "${arch[@]}" -cp "$jar" dev.vde.cli.Main info "$img"'
row "  + launcher script (= vde info IMG)" '"$vde" info "$img"'
split2=$((${#cmds[@]} - 1))
row "  + -XX:+UseSerialGC" 'java "${quiet[@]}" "${arch[@]}" -XX:+UseSerialGC -cp "$jar" dev.vde.cli.Main info "$img"'
row "  + -XX:TieredStopAtLevel=1" 'java "${quiet[@]}" "${arch[@]}" -XX:TieredStopAtLevel=1 -cp "$jar" dev.vde.cli.Main info "$img"'
row "  + --add-exports java.base/sun.nio.ch" 'java "${quiet[@]}" "${arch[@]}" "${exports[@]}" -cp "$jar" dev.vde.cli.Main info "$img"'
row "  -jar instead of -cp" 'java "${quiet[@]}" "${arch[@]}" -jar "$jar" info "$img"'

# Every row once, checked, before timing.
for i in "${!cmds[@]}"; do
  eval "${cmds[$i]}" > "$dir/out" 2> "$dir/err" || { echo "startup.sh: '${labels[$i]}' failed: $(cat "$dir/err")" >&2; exit 1; }
  if [ "${labels[$i]}" != "java -version" ] && [ -s "$dir/err" ]; then
    echo "startup.sh: '${labels[$i]}' wrote to stderr: $(cat "$dir/err")" >&2
    exit 1
  fi
done

# Wall time from EPOCHREALTIME (no fork); CPU time of the children from the times builtin, which
# runs in this shell (in a $(...) subshell it would see only that subshell's children).
usec() { local t=${1/./}; echo $((10#$t)); }
cpu_ms() { # the children's user + system time in a saved `times` output
  awk 'function sec(x) { sub(/s$/, "", x); split(x, p, "m"); return p[1] * 60 + p[2] }
    END { printf "%d", (sec($1) + sec($2)) * 1000 }' "$1"
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A wall cpu
for _ in $(seq "$runs"); do
  for i in "${!cmds[@]}"; do
    times > "$dir/t0"
    s=$EPOCHREALTIME
    eval "${cmds[$i]}" > /dev/null 2>&1
    e=$EPOCHREALTIME
    times > "$dir/t1"
    wall[$i]+="$(( ($(usec "$e") - $(usec "$s")) / 1000 )) "
    cpu[$i]+="$(( $(cpu_ms "$dir/t1") - $(cpu_ms "$dir/t0") )) "
  done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "$runs rounds, median; $(nproc) cores, $(java -version 2>&1 | head -1); load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-42s %8s %8s %9s\n' "command (IMG: 16 MiB, one file)" "wall ms" "cpu ms" "x java"
base=$(median "${wall[0]}")
for i in "${!cmds[@]}"; do
  w=$(median "${wall[$i]}")
  printf '%-42s %8d %8d %9s\n' "${labels[$i]}" "$w" "$(median "${cpu[$i]}")" "$(echo "scale=2; $w / $base" | bc -l)"
  [ "$i" != "$split" ] && [ "$i" != "$split2" ] || echo
done
