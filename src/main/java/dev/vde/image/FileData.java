package dev.vde.image;

import dev.vde.alloc.Run;
import dev.vde.inode.Extent;
import dev.vde.inode.FileDigest;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeCodec;
import dev.vde.io.BlockDevice;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * Moves file data between channels and the device.
 *
 * <p>Writes are copy-on-write: data always goes to newly allocated blocks, which nothing
 * committed references, and the old blocks of the range are freed when the transaction commits.
 * A partial first or last block is merged with the old content (or zeros) in the heap; whole
 * blocks stream straight from the channel into the device. Bytes past the end of a file inside
 * its last block are always zero, so growing a file never exposes old data.
 */
final class FileData {
    /** Blocks allocated per step of a streamed write: large runs keep extents few. */
    private static final long RUN_BYTES = 64L << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private final Transaction tx;
    private final BlockDevice dev;
    private final int bs;
    private final long zeroHash;
    /** {@link #writeBlocks}'s copy of data it cannot read in place. */
    private byte[] copy;

    FileData(Transaction tx) {
        this.tx = tx;
        this.dev = tx.device();
        this.bs = tx.blockSize();
        this.zeroHash = FileDigest.zeroBlockHash(bs);
    }

    // ---- the file's content digest (FileDigest), kept as blocks change ----

    /** Replaces what logical block {@code index} contributes: {@code before} and {@code after} are its bytes. */
    private void account(Inode ino, long index, byte[] before, byte[] after) {
        if (ino.digest != null) {
            ino.digest = ino.digest.minus(FileDigest.contribution(index, FileDigest.blockHash(before), zeroHash))
                    .plus(FileDigest.contribution(index, FileDigest.blockHash(after), zeroHash));
        }
    }

    /** Takes out what the mapped blocks of {@code [from, to)} contribute (before they are unmapped). */
    private void subtractMapped(FileExtents map, long from, long to) throws IOException {
        Inode ino = map.inode();
        if (ino.digest == null || from >= to) {
            return;
        }
        byte[] buf = new byte[bs];
        map.forEachIO(from, e -> {
            if (e.logical() >= to) {
                return false;
            }
            long hi = Math.min(to, e.end(bs));
            for (long at = Math.max(from, e.logical()); at < hi; at += bs) {
                dev.read(e.start() + (at - e.logical()) / bs, buf, 0);
                ino.digest = ino.digest.minus(FileDigest.contribution(at / bs, FileDigest.blockHash(buf), zeroHash));
            }
            return true;
        });
    }

    /** Adds what {@code count} new blocks at physical {@code start}, mapped from logical {@code index}, contribute. */
    private void addNew(Inode ino, long index, long start, long count) throws IOException {
        if (ino.digest == null) {
            return;
        }
        byte[] buf = new byte[bs];
        for (long i = 0; i < count; i++) {
            dev.read(start + i, buf, 0);
            ino.digest = ino.digest.plus(FileDigest.contribution(index + i, FileDigest.blockHash(buf), zeroHash));
        }
    }

    /** Writes everything {@code in} yields at {@code offset}; returns the byte count. */
    long write(FileExtents map, long offset, ReadableByteChannel in) throws IOException {
        Inode ino = map.inode();
        checkFileSize(offset);
        long pos = offset;
        long hint = hintFor(map, offset);
        if (pos % bs != 0) {
            long blockStart = pos - pos % bs;
            int within = (int) (pos % bs);
            byte[] buf = new byte[bs];
            readBlock(map, blockStart, buf);
            byte[] before = buf.clone();
            int n = readFully(in, buf, within, bs - within);
            if (n == 0) {
                return 0;
            }
            checkFileSize(pos + n);
            account(ino, blockStart / bs, before, buf);
            long b = tx.allocator().allocateOne(hint);
            dev.write(b, buf, 0);
            map.punch(blockStart, blockStart + bs);
            map.add(new Extent(b, 1, 0, blockStart));
            hint = b + 1;
            pos += n;
            ino.size = Math.max(ino.size, pos);
            if (n < bs - within) {
                return pos - offset;
            }
        }
        long runBlocks = Math.max(1, RUN_BYTES / bs);
        while (true) {
            // Never read past the largest file size: the run stops there.
            long room = InodeCodec.MAX_FILE_SIZE - pos;
            if (room <= 0) {
                if (readFully(in, new byte[1], 0, 1) > 0) {
                    throw new IllegalArgumentException("file would exceed the largest size, 2^62 bytes");
                }
                break;
            }
            Run run = tx.allocator().allocate(hint, Math.min(runBlocks, (room + bs - 1) / bs));
            long capacity = run.length() * bs;
            long n = dev.fill(in, run.start(), Math.min(capacity, room));
            long used = (n + bs - 1) / bs;
            tx.allocator().release(run.start() + used, run.length() - used);
            if (n == 0) {
                break;
            }
            int tail = (int) (n % bs);
            if (tail != 0) {
                // The last block is partly new data: the rest is the old content or zeros.
                long last = run.start() + used - 1;
                byte[] fresh = new byte[bs];
                byte[] old = new byte[bs];
                dev.read(last, fresh, 0);
                readBlock(map, pos + (used - 1) * bs, old);
                System.arraycopy(old, tail, fresh, tail, bs - tail);
                dev.write(last, fresh, 0);
            }
            subtractMapped(map, pos, pos + used * bs);
            addNew(ino, pos / bs, run.start(), used);
            map.punch(pos, pos + used * bs);
            map.add(new Extent(run.start(), (int) used, 0, pos));
            pos += n;
            ino.size = Math.max(ino.size, pos);
            hint = run.start() + used;
            if (n < Math.min(capacity, room)) {
                break;
            }
        }
        return pos - offset;
    }

    /**
     * Maps {@code data} (whole blocks) at block-aligned {@code offset}, in new blocks, replacing
     * what the range mapped; the size does not change. For {@code apply}: the data of a record
     * lands in as few extents as the free space allows.
     */
    void writeBlocks(FileExtents map, long offset, ByteBuffer data) throws IOException {
        Inode ino = map.inode();
        int blocks = data.remaining() / bs;
        long end = offset + (long) blocks * bs;
        checkFileSize(end);
        subtractMapped(map, offset, end);
        map.punch(offset, end);
        byte[] array = data.hasArray() ? data.array() : null;
        int base = array != null ? data.arrayOffset() + data.position() : 0;
        if (array == null) {
            // A read-only view (the delta reader's): copied once into a buffer kept for the next record.
            if (copy == null || copy.length < data.remaining()) {
                copy = new byte[data.remaining()];
            }
            array = copy;
            data.duplicate().get(array, 0, data.remaining());
        }
        long hint = hintFor(map, offset);
        int done = 0;
        while (done < blocks) {
            Run run = tx.allocator().allocateRun(hint, blocks - done);
            for (int i = 0; i < run.length(); i++) {
                int at = base + (done + i) * bs;
                dev.write(run.start() + i, array, at);
                if (ino.digest != null) {
                    ino.digest = ino.digest.plus(FileDigest.contribution(offset / bs + done + i,
                            FileDigest.blockHash(array, at, bs), zeroHash));
                }
            }
            map.add(new Extent(run.start(), (int) run.length(), 0, offset + (long) done * bs));
            hint = run.start() + run.length();
            done += (int) run.length();
        }
    }

    /** Unmaps the block-aligned range {@code [offset, offset + length)}: it reads as zeros. */
    void punch(FileExtents map, long offset, long length) throws IOException {
        checkFileSize(offset + length);
        subtractMapped(map, offset, offset + length);
        map.punch(offset, offset + length);
    }

    /** Refuses a size or offset past the largest file, before anything is committed. */
    private static void checkFileSize(long end) {
        if (end > InodeCodec.MAX_FILE_SIZE || end < 0) {
            throw new IllegalArgumentException("file would exceed the largest size, 2^62 bytes (4 EiB)");
        }
    }

    /** Sets the file size: shrinking unmaps the tail and zeroes the rest of the last block. */
    void truncate(FileExtents map, long size) throws IOException {
        Inode ino = map.inode();
        checkFileSize(size);
        if (size < ino.size) {
            long keep = roundUp(size);
            subtractMapped(map, keep, roundUp(ino.size));
            map.punch(keep, roundUp(ino.size));
            int within = (int) (size % bs);
            if (within != 0 && map.find(size - within) != null) {
                long blockStart = size - within;
                byte[] buf = new byte[bs];
                readBlock(map, blockStart, buf);
                byte[] before = buf.clone();
                Arrays.fill(buf, within, bs, (byte) 0);
                account(ino, blockStart / bs, before, buf);
                long b = tx.allocator().allocateOne(hintFor(map, blockStart));
                dev.write(b, buf, 0);
                map.punch(blockStart, blockStart + bs);
                map.add(new Extent(b, 1, 0, blockStart));
            }
        }
        ino.size = size;
    }

    /** A file's digest from its data: every mapped block below the end of the file. */
    static FileDigest digestOf(FileExtents map, BlockDevice dev) throws IOException {
        int bs = dev.blockSize();
        long zero = FileDigest.zeroBlockHash(bs);
        long end = map.inode().size;
        FileDigest[] d = {FileDigest.EMPTY};
        byte[] buf = new byte[bs];
        map.forEachIO(0, e -> {
            for (long at = e.logical(); at < Math.min(e.end(bs), end); at += bs) {
                dev.read(e.start() + (at - e.logical()) / bs, buf, 0);
                d[0] = d[0].plus(FileDigest.contribution(at / bs, FileDigest.blockHash(buf), zero));
            }
            return true;
        });
        return d[0];
    }

    /** Copies the whole file to {@code out}; holes read as zeros. */
    static void copyTo(FileExtents map, BlockDevice dev, WritableByteChannel out) throws IOException {
        copyRange(map, dev, 0, map.inode().size, out);
    }

    /** Copies {@code [from, to)} of the file to {@code out} (clamped to the file size). */
    static void copyRange(FileExtents map, BlockDevice dev, long from, long to, WritableByteChannel out)
            throws IOException {
        int bs = dev.blockSize();
        long end = Math.min(to, map.inode().size);
        long[] pos = {from};
        map.forEachIO(from, e -> {
            if (e.logical() >= end) {
                return false;
            }
            if (e.logical() > pos[0]) {
                zeros(out, e.logical() - pos[0]);
                pos[0] = e.logical();
            }
            long stop = Math.min(e.end(bs), end);
            long skip = pos[0] - e.logical();
            long firstBlock = e.start() + skip / bs;
            int within = (int) (skip % bs);
            if (within != 0) {
                byte[] buf = new byte[bs];
                dev.read(firstBlock, buf, 0);
                int n = (int) Math.min(bs - within, stop - pos[0]);
                writeFully(out, ByteBuffer.wrap(buf, within, n));
                pos[0] += n;
                firstBlock++;
            }
            if (stop > pos[0]) {
                dev.drain(firstBlock, stop - pos[0], out);
                pos[0] = stop;
            }
            return true;
        });
        if (pos[0] < end) {
            zeros(out, end - pos[0]);
        }
    }

    private static void zeros(WritableByteChannel out, long n) throws IOException {
        while (n > 0) {
            ByteBuffer z = ZEROS.duplicate();
            z.limit((int) Math.min(n, z.capacity()));
            n -= z.remaining();
            writeFully(out, z);
        }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** The current content of the logical block at {@code blockStart}, zeros for a hole. */
    private void readBlock(FileExtents map, long blockStart, byte[] buf) throws IOException {
        Extent e = map.find(blockStart);
        if (e == null) {
            Arrays.fill(buf, (byte) 0);
        } else {
            dev.read(e.start() + (blockStart - e.logical()) / bs, buf, 0);
        }
    }

    private long hintFor(FileExtents map, long offset) {
        Extent before = map.floor(offset);
        return before == null ? 0 : before.start() + before.count();
    }

    private long roundUp(long v) {
        return (v + bs - 1) / bs * bs;
    }

    private static int readFully(ReadableByteChannel in, byte[] buf, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, off, len);
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                break;
            }
        }
        return b.position() - off;
    }
}
