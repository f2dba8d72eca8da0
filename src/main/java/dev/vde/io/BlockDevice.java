package dev.vde.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A fixed-size array of equally sized blocks.
 *
 * <p>Metadata moves one block at a time through heap arrays ({@link #read}, {@link #write}) so
 * that every write is a distinct, countable event (the crash tests cut the device at any one of
 * them). File data moves in bulk between the device and a channel ({@link #fill},
 * {@link #drain}) without passing through the heap.
 *
 * <p>Nothing written is durable until {@link #sync()} returns; writes between two syncs may
 * reach the medium in any order, partially, or not at all.
 */
public interface BlockDevice extends Closeable {

    int blockSize();

    long blockCount();

    /** Copies block {@code block} into {@code dst[off .. off + blockSize)}. */
    void read(long block, byte[] dst, int off) throws IOException;

    /** Overwrites block {@code block} with {@code src[off .. off + blockSize)}. */
    void write(long block, byte[] src, int off) throws IOException;

    /**
     * Reads from {@code in} into consecutive blocks starting at {@code block} until {@code length}
     * bytes arrived or the channel reached end of stream. Bytes of the last block past the data
     * read are left as they were.
     *
     * @return the number of bytes stored (less than {@code length} only at end of stream)
     */
    long fill(ReadableByteChannel in, long block, long length) throws IOException;

    /** Writes {@code length} bytes starting at the first byte of {@code block} to {@code out}. */
    void drain(long block, long length, WritableByteChannel out) throws IOException;

    /**
     * Makes sure the host has room for block {@code block} without changing what it holds, so
     * that a later {@link #write} of it cannot fail for want of space. The log calls it for every
     * home block of a transaction before its commit point: a full host file system then fails
     * the transaction while nothing of it is committed, instead of after. Devices without holes
     * have nothing to do. On a copy-on-write host file system (btrfs, ZFS) no write can be
     * reserved; there, a full disk can still fail the write home after the commit, and the next
     * open finishes it from the log.
     */
    default void reserve(long block) throws IOException {
        checkRange(block, 1);
    }

    /** Makes every write so far durable. */
    void sync() throws IOException;

    @Override
    void close() throws IOException;

    /** Throws unless {@code [block, block + count)} lies inside the device. */
    default void checkRange(long block, long count) {
        if (block < 0 || count < 0 || block > blockCount() - count) {
            throw new IllegalArgumentException("blocks [" + block + ", +" + count + ") outside device of "
                    + blockCount() + " blocks");
        }
    }
}
