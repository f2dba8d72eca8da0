package dev.vde.format;

import java.util.UUID;

/**
 * The root of an image: geometry, region map, counters and tree roots. Two copies live in blocks
 * 0 and 1; a commit writes the older one, and open takes the newest valid one.
 */
public final class Superblock implements Cloneable {
    public static final int FORMAT_VERSION = 1;
    /** Oldest reader (format version) that understands images this build writes. */
    public static final int MIN_READ_VERSION = 1;
    /** Oldest writer that may modify images this build writes. */
    public static final int MIN_WRITE_VERSION = 1;

    public int formatVersion = FORMAT_VERSION;
    public int readVersion = MIN_READ_VERSION;
    public int writeVersion = MIN_WRITE_VERSION;
    public int blockSize;
    public int inodeSize;
    public long totalBlocks;
    public UUID uuid;
    public long txid;
    public long createdMillis;
    public long freeBlocks;
    public long fileCount;
    public long nameRoot;
    public int nameHeight;
    public long inodeCount;
    /** Inode numbers below this have initialized table blocks; above it the table was never written. */
    public long inodeHighWater = 1;
    public long nextInodeHint = 1;
    /** Bitmap blocks below this index were written; above it they are implicitly all free. */
    public long bitmapHighWater;
    public long walStart;
    public long walBlocks;
    public long bitmapStart;
    public long bitmapBlocks;
    public long inodeStart;
    public long inodeBlocks;
    public long snapStart;
    public long snapBlocks;
    public long dataStart;
    /** The snapshot catalog root ({@link #snapStart}) once written, 0 before the first snapshot. */
    public long catalogBlock;

    public int inodesPerBlock() {
        return (blockSize - BlockTrailer.SIZE) / inodeSize;
    }

    public long bitsPerBitmapBlock() {
        return bitsPerBitmapBlock(blockSize);
    }

    public static long bitsPerBitmapBlock(int blockSize) {
        return (long) ((blockSize - BlockTrailer.SIZE) / 8) * 64;
    }

    /** Slot (0 or 1) that a commit of {@code txid} writes. */
    public static int slotFor(long txid) {
        return (int) (txid & 1);
    }

    @Override
    public Superblock clone() {
        try {
            return (Superblock) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
