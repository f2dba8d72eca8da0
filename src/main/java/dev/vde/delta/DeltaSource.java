package dev.vde.delta;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A delta that can be read more than once: {@code apply} reads it to the end to verify it before
 * it changes anything, then again to apply it. A pipe is spooled to a file to be such a source.
 */
public interface DeltaSource {
    /** A new channel positioned at the start of the delta. */
    ReadableByteChannel open() throws IOException;

    /** The delta as users know it (a path, {@code stdin}), named in errors. */
    String name();

    static DeltaSource of(Path file) {
        return of(file, file.toString());
    }

    static DeltaSource of(Path file, String name) {
        return new DeltaSource() {
            @Override
            public ReadableByteChannel open() throws IOException {
                return FileChannel.open(file, StandardOpenOption.READ);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    static DeltaSource of(byte[] bytes, String name) {
        return new DeltaSource() {
            @Override
            public ReadableByteChannel open() {
                return Channels.newChannel(new java.io.ByteArrayInputStream(bytes));
            }

            @Override
            public String name() {
                return name;
            }
        };
    }
}
