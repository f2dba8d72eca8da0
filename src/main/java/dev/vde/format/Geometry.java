package dev.vde.format;

/**
 * Lays out the regions of a new image, in block order:
 *
 * <pre>
 * block 0        superblock copy A
 * block 1        superblock copy B
 * WAL            header block + log blocks
 * BMAP           one bit per block of the image
 * INOD           inode table
 * SNAP           reserved for the snapshot and ref-count tables
 * DATA           file data and tree nodes, up to the end
 * </pre>
 */
public final class Geometry {
    /** Smallest image: regions plus a few data blocks. */
    public static final long MIN_BLOCKS = 64;
    /** Largest image: 2^60 bytes keeps every byte offset positive with room to spare. */
    public static final long MAX_BYTES = 1L << 60;
    public static final long MAX_INODES = 1L << 32;
    static final long SNAP_RESERVED = 16;

    private Geometry() {
    }

    public static long bitmapBlocksFor(long totalBlocks, int blockSize) {
        long bits = Superblock.bitsPerBitmapBlock(blockSize);
        return (totalBlocks + bits - 1) / bits;
    }

    public static long defaultWalBlocks(long totalBlocks) {
        return Math.max(8, Math.min(2048, totalBlocks / 256));
    }

    public static long defaultInodes(long totalBlocks) {
        return Math.max(64, Math.min(1L << 20, totalBlocks / 32));
    }

    /**
     * A superblock describing a fresh image, txid 0, no files.
     *
     * @param inodes capacity wanted, or 0 for the default; rounded up to whole table blocks
     * @throws IllegalArgumentException if the image is too small or the parameters are absurd
     */
    public static Superblock layout(long totalBytes, int blockSize, long inodes) {
        if (!SuperblockCodec.isValidBlockSize(blockSize)) {
            throw new IllegalArgumentException("block size must be a power of two from 512 to 65536, not " + blockSize);
        }
        if (totalBytes <= 0 || totalBytes > MAX_BYTES) {
            throw new IllegalArgumentException("image size must be between " + MIN_BLOCKS * blockSize + " bytes and 1 EiB");
        }
        long total = totalBytes / blockSize;
        Superblock s = new Superblock();
        s.blockSize = blockSize;
        s.inodeSize = InodeLayout.SIZE;
        s.totalBlocks = total;
        s.walStart = 2;
        s.walBlocks = defaultWalBlocks(total);
        s.bitmapStart = s.walStart + s.walBlocks;
        s.bitmapBlocks = bitmapBlocksFor(total, blockSize);
        s.inodeStart = s.bitmapStart + s.bitmapBlocks;
        long wanted = inodes > 0 ? inodes : defaultInodes(total);
        if (wanted > MAX_INODES) {
            throw new IllegalArgumentException("at most " + MAX_INODES + " inodes");
        }
        int perBlock = s.inodesPerBlock();
        s.inodeBlocks = (wanted + perBlock - 1) / perBlock;
        s.inodeCount = s.inodeBlocks * perBlock;
        s.snapStart = s.inodeStart + s.inodeBlocks;
        s.snapBlocks = SNAP_RESERVED;
        s.dataStart = s.snapStart + s.snapBlocks;
        if (total < MIN_BLOCKS || s.dataStart + 16 > total) {
            throw new IllegalArgumentException("image of " + totalBytes + " bytes is too small: its metadata alone needs "
                    + (s.dataStart + 16) * blockSize + " bytes at block size " + blockSize);
        }
        s.freeBlocks = total - s.dataStart;
        s.bitmapHighWater = (s.dataStart - 1) / s.bitsPerBitmapBlock() + 1;
        return s;
    }
}
