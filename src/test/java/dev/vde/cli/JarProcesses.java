package dev.vde.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import static org.assertj.core.api.Assertions.assertThat;
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

    record Result(int status, String stdout, String stderr) {
    }

    /** Starts {@code vde args...}; stdout and stderr go to files unless the caller pipes them. */
    Process start(ProcessBuilder.Redirect in, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err,
            String... args) throws IOException {
        return startWithHeap(null, in, out, err, args);
    }

    /** As {@link #start}, with the JVM's maximum heap set when {@code maxHeap} is not null. */
    Process startWithHeap(String maxHeap, ProcessBuilder.Redirect in, ProcessBuilder.Redirect out,
            ProcessBuilder.Redirect err, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        if (maxHeap != null) {
            cmd.add("-Xmx" + maxHeap);
        }
        cmd.addAll(List.of("-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in).redirectOutput(out).redirectError(err);
        pb.environment().remove("VDE_DEBUG");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    int await(Process p, int seconds) throws InterruptedException {
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("process finished within %d s", seconds).isTrue();
        return p.exitValue();
    }

    int n;

    ProcessBuilder.Redirect noInput() throws IOException {
        return ProcessBuilder.Redirect.from(Files.createFile(dir.resolve("in" + n++)).toFile());
    }

    /** Runs to completion with stdin from {@code stdin} (or empty), capturing both outputs in files. */
    Result vde(Path stdin, String... args) throws Exception {
        Path out = dir.resolve("out" + n);
        Path err = dir.resolve("err" + n++);
        Process p = start(stdin == null ? noInput() : ProcessBuilder.Redirect.from(stdin.toFile()), ProcessBuilder.Redirect.to(out.toFile()),
                ProcessBuilder.Redirect.to(err.toFile()), args);
        int status = await(p, 60);
        return new Result(status, Files.readString(out), Files.readString(err));
    }

    static void assertOneLineError(Result r, int status) {
        assertThat(r.status()).as("status (stderr: %s)", r.stderr()).isEqualTo(status);
        assertThat(r.stderr()).startsWith("vde: error: ").doesNotContain("\tat ")
                .doesNotContainPattern("[A-Za-z]+(Exception|Error)\\b");
        assertThat(r.stderr().lines().count()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** True while some process holds a POSIX write lock on {@code file}: /proc/locks tells without taking one. */
    static boolean exclusivelyLocked(Path file) throws IOException {
        long ino = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            String[] f = line.trim().split("\\s+");
            // "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
            if (f.length >= 6 && f[1].equals("POSIX") && f[3].equals("WRITE") && f[5].endsWith(":" + ino)) {
                return true;
            }
        }
        return false;
    }

    /** Waits until {@code holder} holds its exclusive lock on {@code img}, failing if it dies first. */
    static void awaitExclusiveLock(Path img, Process holder, Path holderErr) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!exclusivelyLocked(img)) {
            assertThat(holder.isAlive()).as("holder running (stderr: %s)", Files.readString(holderErr)).isTrue();
            assertThat(System.nanoTime()).as("holder took its lock within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
