package dev.vde.inode;

/**
 * A run of physical blocks mapped at a logical byte offset of a file (the seed's
 * {@code InodeExtent}, 24 bytes on disk):
 *
 * <pre>
 * +0  startBlock    i64  first physical block
 * +8  blockCount    i32  blocks in the run (at least 1)
 * +12 flags         u32  Compressed 1, Precompressed 2, Encrypted 4, Hole 8, SharedCow 16
 * +16 logicalOffset i64  byte offset in the file, a multiple of the block size
 * </pre>
 *
 * It covers {@code [logicalOffset, logicalOffset + blockCount * blockSize)}.
 */
public record Extent(long start, int count, int flags, long logical) {
    public static final int COMPRESSED = 1;
    public static final int PRECOMPRESSED = 2;
    public static final int ENCRYPTED = 4;
    public static final int HOLE = 8;
    public static final int SHARED_COW = 16;

    public long end(int blockSize) {
        return logical + (long) count * blockSize;
    }

    public boolean covers(long offset, int blockSize) {
        return offset >= logical && offset < end(blockSize);
    }

    /** The three little-endian words of the on-disk entry. */
    public long[] toWords() {
        return new long[] {start, (count & 0xffffffffL) | ((long) flags << 32), logical};
    }

    public static Extent fromWords(long[] w) {
        return new Extent(w[0], (int) w[1], (int) (w[1] >>> 32), w[2]);
    }
}
