package dev.vde.bench;

/** What every forked benchmark JVM needs, shared by the benchmarks' {@code @Fork} annotations. */
final class BenchJvm {
    /**
     * zero-allocation-hashing reads direct and mapped buffers through {@code sun.nio.ch}; the tests
     * (surefire argLine) and the jar's manifest carry the same export.
     */
    static final String EXPORTS = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";

    /**
     * A fixed heap, touched at start-up, for benchmarks that allocate hard. On this (virtual,
     * shared) machine a growing heap faults in fresh pages so slowly that whole forks ran 15 to
     * 20 times slower for several iterations (a million-entry scan: 0.5 s instead of 30 ms per
     * operation, in about one fork of three); with the heap fixed and pre-touched, every fork
     * measured the same.
     */
    static final String HEAP_MIN = "-Xms2g";
    static final String HEAP_MAX = "-Xmx2g";
    static final String PRETOUCH = "-XX:+AlwaysPreTouch";

    private BenchJvm() {
    }
}
