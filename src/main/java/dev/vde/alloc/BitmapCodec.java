package dev.vde.alloc;

import dev.vde.format.BlockTrailer;
import dev.vde.format.LE;
import dev.vde.format.Tag;

/**
 * One allocation-bitmap block: bit {@code i} of word {@code w} (LSB first) stands for block
 * {@code page * bitsPerPage + w * 64 + i}; 1 = in use. Tag {@code BMAP}.
 *
 * <pre>
 * offset          size  field
 * +0              8*W   W = (blockSize - 16) / 8 little-endian 64-bit words
 * blockSize - 16  16    trailer (tag BMAP, generation, XXH64)
 * </pre>
 *
 * Bitmap blocks at or above the superblock's {@code bitmapHighWater} have never been written
 * and stand for all-free blocks; this keeps a fresh 20 TiB image sparse.
 */
public final class BitmapCodec {
    private BitmapCodec() {
    }

    public static int wordsPerPage(int blockSize) {
        return (blockSize - BlockTrailer.SIZE) / 8;
    }

    public static long[] decode(byte[] b) {
        long[] w = new long[wordsPerPage(b.length)];
        for (int i = 0; i < w.length; i++) {
            w[i] = LE.i64(b, i * 8);
        }
        return w;
    }

    public static byte[] encode(long[] words, int blockSize, long txid) {
        byte[] b = new byte[blockSize];
        for (int i = 0; i < words.length; i++) {
            LE.i64(b, i * 8, words[i]);
        }
        BlockTrailer.seal(b, Tag.BMAP, txid);
        return b;
    }
}
