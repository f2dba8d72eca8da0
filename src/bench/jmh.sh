#!/usr/bin/env bash
# Runs the JMH benchmarks of src/jmh/java (package dev.vde.bench) with JMH's own command line.
#
#   src/bench/jmh.sh [JMH ARGS...]
#   src/bench/jmh.sh BTreeBench -f 1 -wi 2 -i 3       one class, short run
#   src/bench/jmh.sh HashBench -p n=10000 -prof gc     (see -h for JMH's options, -l to list)
#
# The benchmarks compile with the tests (target/test-classes, test-scope JMH); this builds them
# with `mvn test-compile` when they are missing or older than pom.xml or a source under
# src/main or src/jmh, and caches the dependency classpath in target/jmh.classpath.
# zero-allocation-hashing needs --add-exports (as in the tests' argLine): this JVM gets it, forked
# JVMs inherit this JVM's options and get it again from the benchmarks' @Fork(jvmArgsAppend), so
# it survives -f 0 and your own -jvmArgsAppend; with -jvmArgs (which replaces the inherited
# options) include $exports yourself. The machine is noisy: compare numbers from one run only.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
exports=--add-exports=java.base/sun.nio.ch=ALL-UNNAMED
list=target/test-classes/META-INF/BenchmarkList
cp_file=target/jmh.classpath

if [ ! -f "$list" ] || [ -n "$(find pom.xml src/main src/jmh -newer "$list" -print -quit)" ]; then
  echo "jmh.sh: compiling the benchmarks (mvn test-compile)" >&2
  mvn -B -q -Dstyle.color=never test-compile >&2
  touch "$list" # up to date now, even where the compiler found nothing to redo
fi
if [ ! -f "$cp_file" ] || [ pom.xml -nt "$cp_file" ]; then
  mvn -B -q -Dstyle.color=never dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >&2
fi

exec java "$exports" -cp "target/test-classes:target/classes:$(cat "$cp_file")" org.openjdk.jmh.Main "$@"
