package dev.vde.testutil;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sink that checks a stream against its expected content without holding it: zeros
 * everywhere except the given pieces. Lets a test read back gigabytes of a sparse file cheaply.
 */
public final class ExpectingChannel implements WritableByteChannel {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20);
    private final TreeMap<Long, byte[]> pieces = new TreeMap<>();
    private long pos;
    private String mismatch;

    public ExpectingChannel(long start) {
        this.pos = start;
    }

    public ExpectingChannel expect(long offset, byte[] data) {
        pieces.put(offset, data);
        return this;
    }

    private byte expected(long at) {
        Map.Entry<Long, byte[]> e = pieces.floorEntry(at);
        if (e != null && at < e.getKey() + e.getValue().length) {
            return e.getValue()[(int) (at - e.getKey())];
        }
        return 0;
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        Map.Entry<Long, byte[]> next = pieces.ceilingEntry(pos);
        Map.Entry<Long, byte[]> prev = pieces.floorEntry(pos);
        boolean allZeroSpan = (prev == null || prev.getKey() + prev.getValue().length <= pos)
                && (next == null || next.getKey() >= pos + n);
        if (allZeroSpan && mismatch == null) {
            while (src.hasRemaining()) {
                int len = Math.min(src.remaining(), ZEROS.capacity());
                int at = src.slice(src.position(), len).mismatch(ZEROS.slice(0, len));
                if (at >= 0) {
                    mismatch = "byte " + (pos + (n - src.remaining()) + at) + ": got "
                            + src.get(src.position() + at) + ", expected 0";
                    break;
                }
                src.position(src.position() + len);
            }
            src.position(src.limit());
            pos += n;
            return n;
        }
        for (int i = 0; i < n && mismatch == null; i++) {
            byte b = src.get();
            byte want = allZeroSpan ? 0 : expected(pos + i);
            if (b != want) {
                mismatch = "byte " + (pos + i) + ": got " + b + ", expected " + want;
            }
        }
        src.position(src.limit());
        pos += n;
        return n;
    }

    /** Null if every byte matched. */
    public String mismatch() {
        return mismatch;
    }

    public long position() {
        return pos;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
