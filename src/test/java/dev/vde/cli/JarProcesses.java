package dev.vde.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests that run the packaged jar as real processes share: where the jar and java are,
 * a scratch directory, and no process left running after a test.
 */
abstract class JarProcesses {
    static final Path JAR = Path.of(System.getProperty("vde.jar", "target/vde.jar")).toAbsolutePath();
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;
    /** Every process a test starts; killed after the test if still alive. */
    final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void jarExists() {
        assumeTrue(Files.isRegularFile(JAR), JAR + " does not exist: run 'mvn -B verify' (or package first)");
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
