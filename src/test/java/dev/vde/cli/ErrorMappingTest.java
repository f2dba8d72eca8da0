package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errors (not exceptions) inside a command still end as one line and a documented status. */
class ErrorMappingTest {
    @TempDir
    Path dir;

    @Test
    void anOutOfMemoryErrorIsOneLineAndStatusEight() {
        Path img = dir.resolve("d.vde");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream("some data".getBytes()), sink, sink);
        assertThat(Main.run(io, "format", img.toString(), "--size", "4M")).isZero();
        assertThat(Main.run(new Io(new ByteArrayInputStream("some data".getBytes()), sink, sink),
                "write", img.toString(), "f")).isZero();
        OutputStream exploding = new OutputStream() {
            @Override
            public void write(int b) {
                throw new OutOfMemoryError("Java heap space");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                throw new OutOfMemoryError("Java heap space");
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), exploding, err), "cat", img.toString(), "f");
        String e = err.toString(StandardCharsets.UTF_8);
        assertThat(status).isEqualTo(ExitCodes.IO);
        assertThat(e).isEqualTo("vde: error: out of memory\n");
    }
}
