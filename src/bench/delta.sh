#!/usr/bin/env bash
# Delta replication (issue 5): vde diff and vde apply next to xdelta3 and qemu-img compare on the
# same data, with the issue's targets.
#
#   src/bench/delta.sh [SIZE_MIB] [RUNS]    (defaults: 1024 MiB, 5 runs; `delta.sh 64 1` is a smoke test)
#
# old.raw is SIZE_MIB of random data; new.raw is old.raw with 1 % of it (at least one piece)
# rewritten in 64 KiB pieces of new random bytes at distinct random 64 KiB-aligned offsets. The
# source image holds old.raw in file f (`vde write --input`) as snapshot `base`, then the same
# pieces, one transaction each (dev.vde.bench.DeltaFixture, as many `vde write --offset` would),
# as snapshot `next`; `vde cat` of both snapshots is checked against the raw files. The replica is
# a fresh image that received the full delta of `base` (`vde diff --to base`, `vde apply`; not
# timed) and is copied afresh before each timed `vde apply`. Every result is checked: xdelta3's
# output against new.raw, the replica's f and its fsck. The peers:
#   xdelta3 -e -s old.raw new.raw out.xd     and    xdelta3 -d -s old.raw out.xd new2.raw
#   qemu-img compare on the raw files: it stops at the first difference, so it runs twice: on
#   old.raw and new.raw (where it stops), and on new.raw and new2.raw (identical: it reads both
#   to the end, the least a tool that does not know what changed must do).
# Each command runs RUNS times; the table shows the median time and the ratio of the peer's time
# to vde's (higher is better for vde), then each target with PASS or MISS. Files go to /dev/shm
# (tmpfs) when it exists, else to $TMPDIR or /tmp. Installs xdelta3 or qemu-utils with apt-get if
# missing and builds the launcher target/vde if absent. The machine is shared and noisy: compare
# ratios from one run, not seconds across runs.
set -euo pipefail
size_mib=${1:-1024}
runs=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/src/bench/lib.sh"
launcher="$root/target/vde"

for pair in xdelta3:xdelta3 qemu-img:qemu-utils; do
  if ! command -v "${pair%%:*}" > /dev/null; then
    echo "delta.sh: installing ${pair#*:}" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pair#*:}" >&2
  fi
done
[ -x "$launcher" ] || (cd "$root" && mvn -B -q -Dstyle.color=never -DskipTests package >&2)
cp=$(bench_classpath)
vde() { "$launcher" "$@"; }   # as a user runs vde: the launcher, with the class-data archive
if [ -d /dev/shm ]; then tmp=/dev/shm; else tmp=${TMPDIR:-/tmp}; fi
dir=$(mktemp -d "$tmp/vde-deltabench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
old="$dir/old.raw"
new="$dir/new.raw"
new2="$dir/new2.raw"
xd="$dir/out.xd"
img="$dir/src.vde"
delta="$dir/next.rdlt"
replica0="$dir/replica0.vde"
replica="$dir/replica.vde"
piece=65536
chunks=$((size_mib * 1048576 / piece))
pieces=$(((chunks + 50) / 100)) # 1 %, rounded, as DeltaFixture.pieces
[ "$pieces" -ge 1 ] || pieces=1
changed=$((pieces * piece))
fail() { echo "delta.sh: $*" >&2; exit 1; }

head -c "$((size_mib << 20))" /dev/urandom > "$old"
cp "$old" "$new"
idx=$(shuf -i "0-$((chunks - 1))" -n "$pieces")
for i in $idx; do
  dd if=/dev/urandom of="$new" bs=$piece count=1 seek="$i" conv=notrunc iflag=fullblock status=none
done
vde format "$img" --size "$((size_mib * 2 + 256))M" > /dev/null
vde write "$img" f --input "$old"
vde snapshot create "$img" base
# shellcheck disable=SC2086 # one argument per piece
java --add-exports=java.base/sun.nio.ch=ALL-UNNAMED -cp "$cp" dev.vde.bench.DeltaFixture "$img" f "$new" $((piece >> 10)) $idx
vde snapshot create "$img" next
vde cat "$img" f --snapshot base | cmp -s - "$old" || fail "vde cat --snapshot base returned different bytes"
vde cat "$img" f --snapshot next | cmp -s - "$new" || fail "vde cat --snapshot next returned different bytes"
vde format "$replica0" --size "$((size_mib * 2 + 256))M" > /dev/null
vde diff "$img" --to base -o "$dir/base.rdlt" 2> /dev/null
vde apply "$replica0" "$dir/base.rdlt" 2> /dev/null
rm "$dir/base.rdlt"
vde diff "$img" --from base --to next -o "$delta" --json > "$dir/diff.json" # untimed: its statistics
shipped=$(jq .dataBytes "$dir/diff.json")
[ "$shipped" = "$changed" ] || fail "the delta ships $shipped data bytes, $changed were rewritten"

echo "data: $size_mib MiB random in $tmp, $pieces pieces of 64 KiB rewritten ($changed bytes, $(echo "scale=2; 100 * $changed / ($size_mib * 1048576)" | bc -l) %)"
echo "$runs runs each, median; $(nproc) cores, $(java -version 2>&1 | head -1), $(xdelta3 -V 2>&1 | head -1 | cut -d, -f1), $(qemu-img --version | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
t_java=$(median ':' 'java -version 2> /dev/null')
t_info=$(median ':' 'vde info "$img" > /dev/null')
t_xe=$(median 'rm -f "$xd"' 'xdelta3 -e -s "$old" "$new" "$xd"')
t_vd=$(median 'rm -f "$delta"' 'vde diff "$img" --from base --to next -o "$delta" 2> /dev/null || echo "vde diff: status $?" >> "$dir/failed"')
t_xd=$(median 'rm -f "$new2"' 'xdelta3 -d -s "$old" "$xd" "$new2"')
cmp -s "$new2" "$new" || fail "xdelta3 -d returned different bytes"
t_va=$(median 'cp "$replica0" "$replica"' 'vde apply "$replica" "$delta" 2> /dev/null || echo "vde apply: status $?" >> "$dir/failed"')
[ ! -f "$dir/failed" ] || fail "$(cat "$dir/failed")"
vde cat "$replica" f | cmp -s - "$new" || fail "the replica's f differs from new.raw after vde apply"
vde snapshot list "$replica" | grep -q ' next ' || fail "the replica has no snapshot next"
vde fsck "$replica" > /dev/null || fail "vde fsck fails on the replica"
mismatch=$(qemu-img compare -f raw -F raw "$old" "$new" || true)
t_qd=$(median ':' 'qemu-img compare -f raw -F raw "$old" "$new" > /dev/null || [ $? = 1 ]')
t_qs=$(median ':' 'qemu-img compare -f raw -F raw "$new" "$new2" > /dev/null')
load=$(cut -d' ' -f1-3 /proc/loadavg)

printf '\n%-48s %8s   %s\n' "command" "seconds" "peer/vde"
row() { printf '%-48s %8.3f%s\n' "$1" "$2" "${3:+   $3}"; }
row "java -version" "$t_java"
row "vde info IMG" "$t_info"
row "xdelta3 -e -s old.raw new.raw out.xd" "$t_xe"
row "qemu-img compare old.raw new.raw (first diff)" "$t_qd"
row "qemu-img compare new.raw new2.raw (reads all)" "$t_qs"
row "vde diff IMG --from base --to next -o D" "$t_vd" "$(ratio "$t_xe" "$t_vd") (xdelta3 -e), $(ratio "$t_qs" "$t_vd") (compare, reads all)"
row "xdelta3 -d -s old.raw out.xd new2.raw" "$t_xd"
row "vde apply REPLICA D" "$t_va" "$(ratio "$t_xd" "$t_va") (xdelta3 -d)"

d_bytes=$(stat -c %s "$delta")
x_bytes=$(stat -c %s "$xd")
bound=$(echo "$changed * 1.01 + 65536" | bc -l)
verdict() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo PASS; else echo MISS; fi; }
echo
per() { printf '%.4f' "$(echo "$1 / $changed" | bc -l)"; }
echo "changed: $changed bytes; delta: $d_bytes bytes ($(per "$d_bytes") x changed); out.xd: $x_bytes bytes ($(per "$x_bytes") x)"
echo "qemu-img compare old.raw new.raw: ${mismatch:-no output}"
echo
echo "targets (issue 5)"
printf '%-66s %s\n' "diff:  xdelta3 -e / vde diff = $(ratio "$t_xe" "$t_vd") (>= 20)" "$(verdict "$t_xe / $t_vd >= 20")"
printf '%-66s %s\n' "size:  delta $d_bytes <= 1.01 x changed + 64 KiB = ${bound%.*}" "$(verdict "$d_bytes <= $bound")"
printf '%-66s %s\n' "apply: xdelta3 -d / vde apply = $(ratio "$t_xd" "$t_va") (>= 1)" "$(verdict "$t_xd / $t_va >= 1")"
echo
echo "vde times include JVM start-up (java -version, vde info). load average after: $load"
echo "in-process (no JVM start-up): src/bench/jmh.sh DiffBench"
