package dev.vde.cli;

import dev.vde.io.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** Channels that report the bytes passing through them to a {@link Progress}. */
final class CountingChannels {
    private CountingChannels() {
    }

    static ReadableByteChannel reading(ReadableByteChannel in, Progress p) {
        if (p == Progress.NONE) {
            return in;
        }
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                int n = in.read(dst);
                if (n > 0) {
                    p.advance(n);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    static WritableByteChannel writing(WritableByteChannel out, Progress p) {
        if (p == Progress.NONE) {
            return out;
        }
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = out.write(src);
                p.advance(n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return out.isOpen();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
