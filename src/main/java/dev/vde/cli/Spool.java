package dev.vde.cli;

import dev.vde.delta.DeltaSource;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a pipe a {@link DeltaSource} that can be read twice: the first reading copies every byte
 * it passes on into a temporary file, which later readings read. {@code apply} verifies a whole
 * delta before it changes anything, and a pipe cannot be rewound.
 *
 * <p>The file lies beside the image (the same file system, which has room for the image's
 * data), or in the temporary directory where that directory is not writable; it is deleted on
 * {@link #close}, and at exit.
 */
final class Spool implements DeltaSource, Closeable {
    private final ReadableByteChannel pipe;
    private final String name;
    private final Path file;
    private boolean teed;

    Spool(ReadableByteChannel pipe, String name, Path besideImage) throws IOException {
        this.pipe = pipe;
        this.name = name;
        Path dir = besideImage.toAbsolutePath().getParent();
        Path f;
        try {
            f = Files.createTempFile(dir, ".vde-apply-", ".rdlt");
        } catch (IOException e) {
            f = Files.createTempFile("vde-apply-", ".rdlt");
        }
        this.file = f;
        file.toFile().deleteOnExit();
    }

    @Override
    public ReadableByteChannel open() throws IOException {
        if (teed) {
            return FileChannel.open(file, StandardOpenOption.READ);
        }
        teed = true;
        FileChannel copy = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                int from = dst.position();
                int n = pipe.read(dst);
                if (n > 0) {
                    ByteBuffer got = dst.duplicate().flip().position(from);
                    while (got.hasRemaining()) {
                        copy.write(got);
                    }
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return copy.isOpen();
            }

            @Override
            public void close() throws IOException {
                copy.close();
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
