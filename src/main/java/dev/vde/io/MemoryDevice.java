package dev.vde.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * A block device in the heap, for tests. Blocks are stored in lazily allocated chunks, so a
 * large, mostly empty device costs only what was written (like a sparse file).
 */
public final class MemoryDevice implements BlockDevice {

    private static final int CHUNK_BLOCKS = 256;

    private final int blockSize;
    private final long blockCount;
    private final byte[][] chunks;

    public MemoryDevice(int blockSize, long blockCount) {
        if (Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two: " + blockSize);
        }
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.chunks = new byte[(int) ((blockCount + CHUNK_BLOCKS - 1) / CHUNK_BLOCKS)][];
    }

    /** A deep copy: the state a fresh process would find on the medium. */
    public MemoryDevice copy() {
        MemoryDevice c = new MemoryDevice(blockSize, blockCount);
        for (int i = 0; i < chunks.length; i++) {
            if (chunks[i] != null) {
                c.chunks[i] = chunks[i].clone();
            }
        }
        return c;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long blockCount() {
        return blockCount;
    }

    private byte[] chunkFor(long block, boolean create) {
        int index = (int) (block / CHUNK_BLOCKS);
        byte[] c = chunks[index];
        if (c == null && create) {
            c = new byte[CHUNK_BLOCKS * blockSize];
            chunks[index] = c;
        }
        return c;
    }

    private int offsetIn(long block) {
        return (int) (block % CHUNK_BLOCKS) * blockSize;
    }

    @Override
    public void read(long block, byte[] dst, int off) {
        checkRange(block, 1);
        byte[] c = chunkFor(block, false);
        if (c == null) {
            Arrays.fill(dst, off, off + blockSize, (byte) 0);
        } else {
            System.arraycopy(c, offsetIn(block), dst, off, blockSize);
        }
    }

    @Override
    public void write(long block, byte[] src, int off) {
        checkRange(block, 1);
        System.arraycopy(src, off, chunkFor(block, true), offsetIn(block), blockSize);
    }

    @Override
    public long fill(ReadableByteChannel in, long block, long length) throws IOException {
        checkRange(block, (length + blockSize - 1) / blockSize);
        long done = 0;
        while (done < length) {
            long b = block + done / blockSize;
            int within = (int) (done % blockSize);
            int n = (int) Math.min(length - done, blockSize - within);
            ByteBuffer dst = ByteBuffer.wrap(chunkFor(b, true), offsetIn(b) + within, n);
            while (dst.hasRemaining()) {
                if (in.read(dst) < 0) {
                    return done + (n - dst.remaining());
                }
            }
            done += n;
        }
        return done;
    }

    @Override
    public void drain(long block, long length, WritableByteChannel out) throws IOException {
        checkRange(block, (length + blockSize - 1) / blockSize);
        byte[] zeros = null;
        long done = 0;
        while (done < length) {
            long b = block + done / blockSize;
            int n = (int) Math.min(length - done, blockSize);
            byte[] c = chunkFor(b, false);
            ByteBuffer src;
            if (c == null) {
                zeros = zeros == null ? new byte[blockSize] : zeros;
                src = ByteBuffer.wrap(zeros, 0, n);
            } else {
                src = ByteBuffer.wrap(c, offsetIn(b), n);
            }
            while (src.hasRemaining()) {
                out.write(src);
            }
            done += n;
        }
    }

    @Override
    public void sync() {
        // Nothing to do: the heap is the medium.
    }

    /** Bytes of heap holding written chunks. */
    public long allocatedBytes() {
        long n = 0;
        for (byte[] c : chunks) {
            n += c == null ? 0 : c.length;
        }
        return n;
    }

    @Override
    public void close() {
        // Kept readable after close so that tests can inspect the medium.
    }
}
