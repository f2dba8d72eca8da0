package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code vde diff IMAGE ... | vde apply REPLICA -} as real processes in 32 MiB heaps: a full delta
 * of 128 MiB, then an incremental one, through an OS pipe; the replica reads back byte for byte
 * and fsck is clean; no spool file is left behind.
 */
class ApplyIT extends JarProcesses {
    private static final long MIB = 1 << 20;

    private List<String> vde(String... args) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx32m", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private int run(Path out, String... args) throws Exception {
        Process p = new ProcessBuilder(vde(args)).redirectOutput(out.toFile())
                .redirectError(dir.resolve("err").toFile()).start();
        started.add(p);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", List.of(args)).isTrue();
        return p.exitValue();
    }

    /** Runs {@code diff | apply} and returns both statuses. */
    private int[] pipe(List<String> diff, List<String> apply) throws Exception {
        List<Process> ps = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder(diff).redirectError(dir.resolve("diff.err").toFile()),
                new ProcessBuilder(apply).redirectOutput(dir.resolve("apply.out").toFile())
                        .redirectError(dir.resolve("apply.err").toFile())));
        started.addAll(ps);
        for (Process p : ps) {
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        }
        return new int[] {ps.get(0).exitValue(), ps.get(1).exitValue()};
    }

    /** A terminal on standard input is refused at once (status 2), not read as a delta. */
    @Test
    void aTerminalIsNotADelta() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")),
                "script(1) gives the command a terminal; not installed");
        Path rep = dir.resolve("rep.vde");
        assertThat(run(dir.resolve("sink"), "format", rep.toString(), "--size", "16M")).isZero();
        for (String cmd : List.of("apply " + rep + " -", "inspect -")) {
            Process p = new ProcessBuilder("/usr/bin/script", "-qec",
                    JAVA + " -jar " + JAR + " " + cmd, "/dev/null").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("tty").toFile()).start();
            started.add(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s returns without input", cmd).isTrue();
            assertThat(p.exitValue()).as(cmd).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("tty"))).contains("refusing to read a binary delta from a terminal");
        }
    }

    /** Started with stdin closed, the JVM's own files take descriptor 0: refused, never read as input. */
    @Test
    void aClosedStdinIsRefused() throws Exception {
        Path rep = dir.resolve("rep.vde");
        assertThat(run(dir.resolve("sink"), "format", rep.toString(), "--size", "16M")).isZero();
        for (String cmd : List.of("apply " + rep + " -", "inspect -", "write " + rep + " f")) {
            Process p = new ProcessBuilder("/bin/sh", "-c", "exec " + JAVA + " -jar " + JAR + " " + cmd + " <&-")
                    .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile()).start();
            started.add(p);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(cmd).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("err"))).startsWith("vde: error: standard input is closed");
        }
        assertThat(run(dir.resolve("ls"), "ls", rep.toString())).isZero();
        assertThat(Files.readString(dir.resolve("ls"))).isEmpty();
    }

    @Test
    void replicationThroughAnOsPipe() throws Exception {
        Path src = dir.resolve("src.vde");
        Path rep = dir.resolve("rep.vde");
        Path data = dir.resolve("data");
        Random rnd = new Random(11);
        byte[] b = new byte[(int) MIB];
        try (OutputStream out = Files.newOutputStream(data)) {
            for (int i = 0; i < 128; i++) {
                rnd.nextBytes(b);
                out.write(b);
            }
        }
        Path sink = dir.resolve("sink");
        assertThat(run(sink, "format", src.toString(), "--size", "300M")).isZero();
        assertThat(run(sink, "format", rep.toString(), "--size", "300M")).isZero();
        assertThat(run(sink, "write", src.toString(), "big", "--input", data.toString())).isZero();
        assertThat(run(sink, "snapshot", "create", src.toString(), "mon")).isZero();

        int[] st = pipe(vde("diff", src.toString(), "--to", "mon"), vde("apply", rep.toString(), "-"));
        assertThat(st).as(Files.readString(dir.resolve("apply.err"))).containsExactly(0, 0);
        Path got = dir.resolve("got");
        assertThat(run(got, "cat", rep.toString(), "big")).isZero();
        assertThat(Files.mismatch(got, data)).as("the replica's file").isEqualTo(-1);

        // One MiB rewritten in the middle: only it travels.
        Path patch = dir.resolve("patch");
        rnd.nextBytes(b);
        Files.write(patch, b);
        assertThat(run(sink, "write", src.toString(), "big", "--input", patch.toString(), "--offset", "64M"))
                .isZero();
        assertThat(run(sink, "snapshot", "create", src.toString(), "tue")).isZero();
        st = pipe(vde("diff", src.toString(), "--from", "mon", "--to", "tue"), vde("apply", rep.toString(), "-",
                "--json"));
        assertThat(st).as(Files.readString(dir.resolve("apply.err"))).containsExactly(0, 0);
        assertThat(Files.readString(dir.resolve("apply.out"))).contains("\"dataBytes\" : 1048576");
        assertThat(run(got, "cat", rep.toString(), "big")).isZero();
        byte[] expect = Files.readAllBytes(data);
        System.arraycopy(b, 0, expect, (int) (64 * MIB), b.length);
        Files.write(data, expect);
        assertThat(Files.mismatch(got, data)).isEqualTo(-1);
        assertThat(run(sink, "fsck", rep.toString())).as(Files.readString(dir.resolve("err"))).isZero();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vde-apply-"));
        }
    }
}
