package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipe read twice: the first reading spools it beside the image (or to the temporary directory), the second reads the spool. */
class SpoolTest {
    @TempDir
    Path dir;

    private static byte[] drain(ReadableByteChannel ch) throws Exception {
        try (InputStream in = Channels.newInputStream(ch)) {
            return in.readAllBytes();
        }
    }

    @Test
    void theSecondReadingGivesTheSameBytesAndCloseRemovesTheSpool() throws Exception {
        byte[] data = new byte[300_000];
        new Random(3).nextBytes(data);
        Path image = dir.resolve("img.vde");
        try (Spool s = new Spool(Channels.newChannel(new ByteArrayInputStream(data)), "stdin", image)) {
            assertThat(drain(s.open())).isEqualTo(data);
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString()
                        .startsWith(".vde-apply-");
            }
            assertThat(drain(s.open())).isEqualTo(data);
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void whereTheImagesDirectoryTakesNoFileTheTemporaryDirectoryDoes() throws Exception {
        byte[] data = "a delta".getBytes();
        Path image = dir.resolve("missing-dir").resolve("img.vde");
        try (Spool s = new Spool(Channels.newChannel(new ByteArrayInputStream(data)), "stdin", image)) {
            ReadableByteChannel first = s.open();
            ByteBuffer b = ByteBuffer.allocate(3);
            first.read(b);
            assertThat(drain(first)).isEqualTo("elta".getBytes());
            assertThat(drain(s.open())).isEqualTo(data);
        }
        assertThat(dir.resolve("missing-dir")).doesNotExist();
    }
}
