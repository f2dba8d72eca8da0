package dev.vde.inode;

import net.openhft.hashing.LongHashFunction;

/**
 * The content digest of a file, kept up to date as it is written: two 64-bit lanes, each the sum
 * (mod 2^64) over the file's non-zero blocks of a mix of the block's index and the XXH64 of its
 * bytes. A sum can be updated by subtracting what a block contributed and adding what it
 * contributes now, so a write costs only the blocks it touches, and a snapshot can take every
 * file's digest without reading data. Zero blocks contribute nothing, so a hole and written
 * zeros agree. The digest depends on the block size, which images that exchange deltas share.
 */
public record FileDigest(long a, long b) {
    public static final FileDigest EMPTY = new FileDigest(0, 0);

    private static final LongHashFunction BLOCK = LongHashFunction.xx();
    private static final LongHashFunction MIX_A = LongHashFunction.xx(0x7664652d64696741L);
    private static final LongHashFunction MIX_B = LongHashFunction.xx(0x7664652d64696742L);

    /** XXH64 of one block's bytes. */
    public static long blockHash(byte[] block) {
        return BLOCK.hashBytes(block);
    }

    /** XXH64 of the block at {@code off} in {@code b}. */
    public static long blockHash(byte[] b, int off, int blockSize) {
        return BLOCK.hashBytes(b, off, blockSize);
    }

    /** What the block at logical index {@code index} with hash {@code hash} adds; zero for a zero block. */
    public static FileDigest contribution(long index, long hash, long zeroBlockHash) {
        if (hash == zeroBlockHash) {
            return EMPTY;
        }
        long[] in = {index, hash};
        return new FileDigest(MIX_A.hashLongs(in), MIX_B.hashLongs(in));
    }

    public static long zeroBlockHash(int blockSize) {
        return BLOCK.hashBytes(new byte[blockSize]);
    }

    public FileDigest plus(FileDigest d) {
        return new FileDigest(a + d.a, b + d.b);
    }

    public FileDigest minus(FileDigest d) {
        return new FileDigest(a - d.a, b - d.b);
    }

    /** The digest of {@code content} from scratch, for checks and for files without one. */
    public static FileDigest of(byte[] content, int blockSize) {
        long zero = zeroBlockHash(blockSize);
        FileDigest d = EMPTY;
        for (long i = 0; i * blockSize < content.length; i++) {
            byte[] block = new byte[blockSize];
            int from = (int) (i * blockSize);
            System.arraycopy(content, from, block, 0, Math.min(blockSize, content.length - from));
            d = d.plus(contribution(i, blockHash(block), zero));
        }
        return d;
    }

    @Override
    public String toString() {
        return String.format("%016x%016x", a, b);
    }
}
