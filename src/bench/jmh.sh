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
. src/bench/lib.sh
cp=$(bench_classpath)
exec java "$exports" -cp "$cp" org.openjdk.jmh.Main "$@"
