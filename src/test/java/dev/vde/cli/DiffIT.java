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

/** {@code vde diff} as a real process: a delta larger than the heap, to a file and to standard output. */
class DiffIT extends JarProcesses {
    private static final long MIB = 1 << 20;

    private int vdeTo(Path out, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx32m", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve("err").toFile()).start();
        started.add(p);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", List.of(args)).isTrue();
        return p.exitValue();
    }

    private static void randomFile(Path f, long bytes) throws IOException {
        Random rnd = new Random(5);
        byte[] b = new byte[(int) MIB];
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long done = 0; done < bytes; done += b.length) {
                rnd.nextBytes(b);
                out.write(b);
            }
        }
    }

    /** 256 MiB of data in a 32 MiB heap: diff reads and writes it a MiB at a time. */
    @Test
    void aDeltaLargerThanTheHeap() throws Exception {
        Path img = dir.resolve("a.vde");
        Path data = dir.resolve("data");
        randomFile(data, 256 * MIB);
        Path sink = dir.resolve("sink");
        assertThat(vdeTo(sink, "format", img.toString(), "--size", "400M")).isZero();
        assertThat(vdeTo(sink, "write", img.toString(), "big", "--input", data.toString())).isZero();
        assertThat(vdeTo(sink, "snapshot", "create", img.toString(), "s")).isZero();
        Path delta = dir.resolve("s.rdlt");
        assertThat(vdeTo(sink, "diff", img.toString(), "--to", "s", "-o", delta.toString()))
                .as(Files.readString(dir.resolve("err"))).isZero();
        assertThat(Files.size(delta)).isGreaterThan(256 * MIB);
        assertThat(vdeTo(sink, "inspect", delta.toString())).as(Files.readString(dir.resolve("err"))).isZero();

        // The same stream on standard output.
        Path piped = dir.resolve("piped.rdlt");
        assertThat(vdeTo(piped, "diff", img.toString(), "--to", "s")).isZero();
        assertThat(Files.mismatch(piped, delta)).as("stdout and -o give the same stream").isEqualTo(-1);
    }
}
