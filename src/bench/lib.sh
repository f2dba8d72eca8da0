# Shared by the scripts of src/bench; sourced, never run. Needs $root (the repository) and, for
# median, $runs.

# The classpath of the benchmarks and fixtures (target/test-classes, target/classes, the test-scope
# dependencies). Compiles them with `mvn test-compile` when they are missing or older than pom.xml
# or a source under src/main or src/jmh, and caches the dependency classpath in
# target/jmh.classpath. Messages go to stderr.
bench_classpath() {
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

now() { date +%s.%N; }

# median TIME in seconds of $runs runs of "$@" (a shell snippet); PREP runs untimed before each run.
median() {
  local prep=$1; shift
  local times=()
  for _ in $(seq "$runs"); do
    eval "$prep"
    local s e
    s=$(now); eval "$@"; e=$(now)
    times+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# peer time over vde time, two decimals (1.0 = as fast as the peer, higher is better for vde)
ratio() { echo "scale=2; $1 / $2" | bc -l; }
