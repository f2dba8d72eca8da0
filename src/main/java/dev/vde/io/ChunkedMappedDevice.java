package dev.vde.io;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * A block device over a file, mapped lazily in power-of-two chunks.
 *
 * <p>Java 17 buffers are int-indexed, so one mapping cannot cover an image above 2 GiB; the file
 * is cut into chunks (1 GiB by default) that are mapped the first time they are touched. The
 * chunk size is a multiple of the block size, so no block straddles two chunks. Tests shrink the
 * chunk to a few blocks so that every structure crosses chunk boundaries.
 *
 * <p>A 20 TiB image maps nothing until it is used, and the file stays sparse: only written blocks
 * take space on disk. Blocks are read through the mapping; bulk file data moves through the
 * channel ({@link #fill}, {@link #drain}), which measured faster.
 *
 * <p>Nothing is ever written through the mapping: the chunks are mapped read-only and every
 * write is a positional write on the channel. A store into a mapped hole of a sparse file needs
 * a page from the host file system; when it has none, the kernel answers with SIGBUS, which the
 * JVM turns into an {@code InternalError} that compiled code may deliver only later, at a
 * safepoint. By then the commit can have written its superblock over a block that never
 * arrived: a snapshot created on a full tmpfs answered "no space" and left its file table all
 * zeros behind a committed superblock. A positional write fails at once, with ENOSPC, before
 * anything that depends on it.
 */
public final class ChunkedMappedDevice implements BlockDevice {

    public static final int DEFAULT_CHUNK_SHIFT = 30;

    private final Path path;
    private final FileChannel channel;
    private final boolean writable;
    private final int blockSize;
    private final long blockCount;
    private final int chunkShift;
    private final long chunkMask;
    private final MappedByteBuffer[] chunks;
    private static final int TRANSFER_BYTES = 8 << 20;
    /** Bulk data written since the last background writeback was started. */
    private static final long WRITEBACK_BYTES = 64L << 20;
    private static final boolean WRITEBACK = !"false".equals(System.getProperty("vde.writeback"));
    private ByteBuffer transfer;
    /** One block, for {@link #reserve}. */
    private ByteBuffer probe;
    private long unflushed;
    private java.util.concurrent.ExecutorService flusher;
    private java.util.concurrent.Future<?> flushing;

    public ChunkedMappedDevice(Path path, FileChannel channel, boolean writable, int blockSize, long blockCount,
            int chunkShift) {
        if (Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two: " + blockSize);
        }
        if (chunkShift > 30 || (1L << chunkShift) < blockSize) {
            throw new IllegalArgumentException("chunk of 2^" + chunkShift + " bytes cannot hold a block of "
                    + blockSize);
        }
        this.path = path;
        this.channel = channel;
        this.writable = writable;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.chunkShift = chunkShift;
        this.chunkMask = (1L << chunkShift) - 1;
        long bytes = blockCount * blockSize;
        long chunkCount = (bytes + chunkMask) >>> chunkShift;
        if (chunkCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many chunks: " + chunkCount);
        }
        this.chunks = new MappedByteBuffer[(int) chunkCount];
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public long blockCount() {
        return blockCount;
    }

    public Path path() {
        return path;
    }

    private MappedByteBuffer chunk(int index) throws IOException {
        MappedByteBuffer c = chunks[index];
        if (c == null) {
            long start = (long) index << chunkShift;
            long size = Math.min(1L << chunkShift, blockCount * blockSize - start);
            c = channel.map(FileChannel.MapMode.READ_ONLY, start, size);
            chunks[index] = c;
        }
        return c;
    }

    @Override
    public void read(long block, byte[] dst, int off) throws IOException {
        checkRange(block, 1);
        long pos = block * blockSize;
        chunk((int) (pos >>> chunkShift)).get((int) (pos & chunkMask), dst, off, blockSize);
    }

    @Override
    public void write(long block, byte[] src, int off) throws IOException {
        checkRange(block, 1);
        requireWritable();
        ByteBuffer b = ByteBuffer.wrap(src, off, blockSize);
        long pos = block * blockSize;
        while (b.hasRemaining()) {
            channel.write(b, pos + b.position() - off);
        }
    }

    /**
     * A block that reads as zeros may be a hole: writing the zeros back makes the host allocate
     * it, or fail now with ENOSPC. A block holding anything else is already allocated (every
     * metadata block vde writes ends in a non-zero trailer). Read with pread, not through the
     * mapping: on tmpfs, touching a hole through a shared mapping allocates a page, and on a
     * full tmpfs that is SIGBUS again.
     */
    @Override
    public void reserve(long block) throws IOException {
        checkRange(block, 1);
        requireWritable();
        if (probe == null) {
            probe = ByteBuffer.allocateDirect(blockSize);
        }
        long pos = block * blockSize;
        probe.clear();
        while (probe.hasRemaining() && channel.read(probe, pos + probe.position()) > 0) {
            // until the block is read, or the end of the file (a short file reads as a hole)
        }
        probe.flip();
        while (probe.remaining() >= Long.BYTES) {
            if (probe.getLong() != 0) {
                return;
            }
        }
        probe.clear();
        while (probe.hasRemaining()) {
            channel.write(probe, pos + probe.position());
        }
    }

    /**
     * Streams through one reused direct buffer into positional writes on the file channel. This
     * matched filling the mapping in our measurements and is simpler: a full host disk shows up
     * as an ordinary IOException ("No space left on device") instead of SIGBUS in a page fault.
     * The page cache is shared, so the mapping sees the data at once.
     */
    @Override
    public long fill(ReadableByteChannel in, long block, long length) throws IOException {
        checkRange(block, (length + blockSize - 1) / blockSize);
        requireWritable();
        long n = in instanceof FileChannel && hasBytesAhead((FileChannel) in)
                ? fillFromFile((FileChannel) in, block * blockSize, length)
                : fillThroughBuffer(in, block * blockSize, length);
        unflushed += n;
        if (WRITEBACK && unflushed >= WRITEBACK_BYTES) {
            startWriteback();
        }
        return n;
    }

    /**
     * Starts writing dirty pages back in the background while more data is copied in, so that
     * the sync at commit finds most of a large write already on disk: copy and disk overlap
     * instead of running one after the other. Syncing early never weakens ordering; only the
     * commit's own sync promises anything.
     */
    private void startWriteback() {
        if (flushing != null && !flushing.isDone()) {
            return;
        }
        if (flusher == null) {
            flusher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "vde-writeback");
                t.setDaemon(true);
                return t;
            });
        }
        unflushed = 0;
        flushing = flusher.submit(() -> {
            channel.force(false);
            return null;
        });
    }

    private long fillThroughBuffer(ReadableByteChannel in, long pos, long length) throws IOException {
        ByteBuffer buf = transferBuffer();
        long done = 0;
        boolean eof = false;
        while (done < length && !eof) {
            buf.clear().limit((int) Math.min(buf.capacity(), length - done));
            while (buf.hasRemaining()) {
                if (in.read(buf) < 0) {
                    eof = true;
                    break;
                }
            }
            buf.flip();
            while (buf.hasRemaining()) {
                done += channel.write(buf, pos + done);
            }
        }
        return done;
    }

    /**
     * From a regular file, {@code transferTo} copies inside the kernel (sendfile), with no pass
     * through user memory. It writes at the target channel's position, which nothing else uses.
     */
    private long fillFromFile(FileChannel in, long pos, long length) throws IOException {
        long src = in.position();
        long done = 0;
        while (done < length) {
            channel.position(pos + done);
            long n = in.transferTo(src + done, length - done, channel);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        in.position(src + done);
        return done;
    }

    /**
     * True for a regular file with data past its position. Standard input is a FileChannel even
     * when it is a pipe (no position), and devices such as /dev/urandom report size 0: both go
     * through the buffer.
     */
    private static boolean hasBytesAhead(FileChannel in) {
        try {
            return in.size() > in.position();
        } catch (IOException e) {
            return false;
        }
    }

    private ByteBuffer transferBuffer() {
        if (transfer == null) {
            transfer = ByteBuffer.allocateDirect(TRANSFER_BYTES);
        }
        return transfer;
    }

    /**
     * Sends file data with {@code transferTo}: sendfile(2) to a pipe or file descriptor, the
     * fastest way out of the page cache on Java 17 (as fast as cat(1) in our measurements).
     */
    @Override
    public void drain(long block, long length, WritableByteChannel out) throws IOException {
        checkRange(block, (length + blockSize - 1) / blockSize);
        long pos = block * blockSize;
        long done = 0;
        while (done < length) {
            long n = channel.transferTo(pos + done, length - done, out);
            if (n <= 0) {
                // transferTo gives up on some channels; finish through the mapping.
                drainMapped(pos + done, length - done, out);
                return;
            }
            done += n;
        }
    }

    private void drainMapped(long pos, long length, WritableByteChannel out) throws IOException {
        long done = 0;
        while (done < length) {
            long at = pos + done;
            MappedByteBuffer c = chunk((int) (at >>> chunkShift));
            int from = (int) (at & chunkMask);
            int n = (int) Math.min(length - done, c.capacity() - from);
            ByteBuffer slice = c.slice(from, n);
            while (slice.hasRemaining()) {
                out.write(slice);
            }
            done += n;
        }
    }

    @Override
    public void sync() throws IOException {
        awaitWriteback();
        unflushed = 0;
        if (writable) {
            channel.force(false);
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException("device opened read-only");
        }
    }

    private void awaitWriteback() throws IOException {
        if (flushing == null) {
            return;
        }
        try {
            flushing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing back");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
        } finally {
            flushing = null;
        }
    }

    @Override
    public void close() throws IOException {
        if (flusher != null) {
            flusher.shutdown();
        }
        for (int i = 0; i < chunks.length; i++) {
            if (chunks[i] != null) {
                Unmapper.unmap(chunks[i]);
                chunks[i] = null;
            }
        }
    }

    /**
     * Releases mappings at close instead of waiting for the garbage collector, so that a process
     * opening many images (the tests) does not run out of address space or map slots.
     */
    static final class Unmapper {
        private static final Object UNSAFE;
        private static final Method INVOKE_CLEANER;

        static {
            Object unsafe = null;
            Method invoke = null;
            try {
                Class<?> cls = Class.forName("sun.misc.Unsafe");
                Field f = cls.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                unsafe = f.get(null);
                invoke = cls.getMethod("invokeCleaner", ByteBuffer.class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Without it mappings are released by the garbage collector: slower, still correct.
            }
            UNSAFE = unsafe;
            INVOKE_CLEANER = invoke;
        }

        static void unmap(ByteBuffer buffer) {
            if (INVOKE_CLEANER == null) {
                return;
            }
            try {
                INVOKE_CLEANER.invoke(UNSAFE, buffer);
            } catch (ReflectiveOperationException e) {
                // Same fallback as above.
            }
        }
    }
}
