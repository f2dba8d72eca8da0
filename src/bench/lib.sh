# Shared by the scripts of src/bench; sourced, never run. Needs $root (the repository); measure
# also needs $runs and $rss_log.

# The classpath of the benchmarks and fixtures (target/test-classes, target/classes, the test-scope
# dependencies). Compiles them with `mvn test-compile` when they are missing or older than pom.xml
# or a source under src/main or src/jmh, and caches the dependency classpath in
# target/jmh.classpath. Messages go to stderr. VDE_BENCH_CLASSPATH, when set, is taken as it is:
# a test that runs a script inside `mvn verify` passes its own classpath rather than start a
# second Maven in the same target directory.
bench_classpath() {
  if [ -n "${VDE_BENCH_CLASSPATH:-}" ]; then
    echo "$VDE_BENCH_CLASSPATH"
    return
  fi
  local list=target/test-classes/META-INF/BenchmarkList cp_file=target/jmh.classpath
  (
    cd "$root"
    if [ ! -f "$list" ] || [ -n "$(find pom.xml src/main src/jmh -newer "$list" -print -quit)" ]; then
      echo "$(basename "$0"): compiling the benchmarks (mvn test-compile)" >&2
      mvn -B -q -Dstyle.color=never test-compile >&2
      touch "$list" # up to date now, even where the compiler found nothing to redo
    fi
    if [ ! -f "$cp_file" ] || [ pom.xml -nt "$cp_file" ]; then
      mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
    fi
  )
  echo "$root/target/test-classes:$root/target/classes:$(cat "$root/$cp_file")"
}

# have COMMAND PACKAGE: true when COMMAND is on the PATH, after installing Debian's PACKAGE with
# apt-get if it was not (apt-get update once per script). Says on stderr what it does, and when it
# cannot: the caller skips what needs COMMAND rather than fail the whole run.
have() {
  type -P "$1" > /dev/null && return 0
  echo "$(basename "$0"): no $1: installing Debian's $2" >&2
  if [ -z "${apt_updated:-}" ]; then
    apt_updated=1
    apt-get update -qq >&2 || true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" > /dev/null || true
  type -P "$1" > /dev/null && return 0
  echo "$(basename "$0"): could not install $2: what needs $1 is skipped" >&2
  return 1
}

# run COMMAND ARGS...: runs the command under GNU time, which appends its peak resident set size
# (KiB) to $rss_log; plainly where there is no GNU time (then measure reports no size).
run() {
  if [ -n "${gnu_time:-}" ]; then
    "$gnu_time" -f %M -a -o "$rss_log" "$@"
  else
    "$@"
  fi
}

# The median of the numbers on standard input, one a line.
median_of() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# measure KEY PREP SNIPPET: evaluates the shell snippet SNIPPET $runs times, PREP (untimed) before
# each, and sets secs[KEY] to the median wall time in seconds and peak[KEY] to the largest resident
# set size (KiB) of any process the snippet started through run, in any of the runs. Runs in this
# shell, not a subshell: PREP may count, and under set -e a failing command ends the script.
declare -A secs=() peak=()
measure() {
  local key=$1 prep=$2 snippet=$3 times=() s e
  : > "$rss_log"
  for _ in $(seq "$runs"); do
    eval "$prep"
    s=$EPOCHREALTIME
    eval "$snippet"
    e=$EPOCHREALTIME
    times+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f", e - s }')")
  done
  secs[$key]=$(printf '%s\n' "${times[@]}" | median_of)
  peak[$key]=$(grep -E '^[0-9]+$' "$rss_log" | sort -n | tail -1 || true)
}

# A over B with two decimals (for times: the peer's over vde's, 1.00 = as fast as the peer,
# higher is better for vde).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
