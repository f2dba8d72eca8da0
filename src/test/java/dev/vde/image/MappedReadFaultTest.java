package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.format.CorruptImageException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read that faults in the mapping (SIGBUS, which the JVM raises as InternalError): here the
 * file is cut short under an open image, as another program or a failing disk could do. The
 * answer is a read error the CLI reports with status 7, not an InternalError and not a crash.
 */
class MappedReadFaultTest {
    @TempDir
    Path dir;

    @Test
    void aFileCutShortUnderAnOpenImageIsAReadError() throws Exception {
        Path path = dir.resolve("cut.vde");
        Image.create(path, 16 << 20, 4096, 0, false);
        byte[] data = new byte[4 << 20];
        new Random(7).nextBytes(data);
        try (Image img = Image.open(path, true)) {
            img.write("big", 0, false, Channels.newChannel(new ByteArrayInputStream(data)));
        }
        try (Image img = Image.open(path, false)) {
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            img.cat("big", Channels.newChannel(whole));
            assertThat(whole.toByteArray()).isEqualTo(data);
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.truncate(64 << 10); // the metadata stays, the data is gone
            }
            assertThatThrownBy(() -> img.cat("big", Channels.newChannel(new ByteArrayOutputStream())))
                    .isInstanceOf(CorruptImageException.class)
                    .hasMessageContaining("read error in the mapped image");
        }
    }
}
