package dev.vde.image;

import dev.vde.alloc.BitmapCodec;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.io.BlockDevice;
import dev.vde.wal.Journal;
import java.io.IOException;
import java.util.UUID;

/** Writes the metadata of a fresh image: bitmap blocks of the metadata regions, WAL header, superblocks. */
final class Formatter {
    private Formatter() {
    }

    static void format(BlockDevice dev, Superblock sb) throws IOException {
        if (dev.blockSize() != sb.blockSize || dev.blockCount() < sb.totalBlocks) {
            throw new IllegalArgumentException("device does not match the layout");
        }
        sb.uuid = UUID.randomUUID();
        sb.createdMillis = System.currentTimeMillis();
        sb.txid = 0;
        long bitsPerPage = sb.bitsPerBitmapBlock();
        for (long p = 0; p < sb.bitmapHighWater; p++) {
            long[] words = new long[BitmapCodec.wordsPerPage(sb.blockSize)];
            long first = p * bitsPerPage;
            long end = Math.min(sb.dataStart, first + bitsPerPage);
            for (long b = first; b < end; b++) {
                long off = b - first;
                words[(int) (off >>> 6)] |= 1L << (off & 63);
            }
            dev.write(sb.bitmapStart + p, BitmapCodec.encode(words, sb.blockSize, 0), 0);
        }
        new Journal(dev, sb.walStart, sb.walBlocks).initialize();
        dev.sync();
        byte[] s = SuperblockCodec.encode(sb);
        dev.write(0, s, 0);
        dev.write(1, s, 0);
        dev.sync();
    }
}
