package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.delta.DeltaFormat;
import dev.vde.delta.DeltaSamples;
import dev.vde.delta.DeltaWriter;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code vde inspect -} as a real process reading a pipe: a large delta in a small heap, and a damaged one. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class InspectIT extends JarProcesses {
    private Process inspect(String... extra) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(JAVA, "-Xmx32m", "-jar", JAR.toString(), "inspect", "-"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile()).start();
        started.add(p);
        return p;
    }

    /** 256 MiB of data through a pipe into a process with a 32 MiB heap: the reader streams. */
    @Test
    void aLargeDeltaThroughAPipeInASmallHeap() throws Exception {
        int extents = 256;
        Process p = inspect();
        CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
            try (OutputStream in = p.getOutputStream()) {
                DeltaWriter w = new DeltaWriter(Channels.newChannel(in), DeltaSamples.full(4096, extents));
                w.newFile(1, "disk.raw");
                w.size(1, (long) extents * DeltaFormat.MAX_DATA);
                ByteBuffer mib = DeltaSamples.data(4096, 256, 1);
                for (int i = 0; i < extents; i++) {
                    w.data(1, (long) i * DeltaFormat.MAX_DATA, 100 + 256L * i, mib);
                }
                w.finish();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        feed.get(10, TimeUnit.SECONDS);
        assertThat(Files.readString(dir.resolve("err"))).isEmpty();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("out")))
                .endsWith("summary:       260 records, 256 extents, 268435456 data bytes (256.0 MiB), "
                        + (268435456L + 712 + 38 + 32 + 256 * 60 + 48) + " stream bytes (256.0 MiB): valid\n");
    }

    @Test
    void aDamagedDeltaThroughAPipeIsOneLineAndStatus7() throws Exception {
        byte[] b = DeltaSamples.flip(DeltaSamples.small().bytes(), 1000, 0xff);
        Process p = inspect("--json");
        try (OutputStream in = p.getOutputStream()) {
            in.write(b);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(dir.resolve("err"), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(err).isEqualTo(7);
        assertThat(err).isEqualTo("vde: error: corrupt delta: stdin: record 7 (DATA) at byte 918: data checksum "
                + "mismatch: the data at bytes 978 to 1490 is damaged\n");
        assertThat(Files.readString(dir.resolve("out"))).contains("\"error\"");
    }
}
