package dev.vde.wal;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.LE;
import dev.vde.format.Tag;

/**
 * The two kinds of write-ahead-log block. Both carry tag {@code MWAL}.
 *
 * <p>Header (the first block of the WAL region; rewriting it is the commit point):
 * <pre>
 * offset size field
 * +0     4    kind              1 = header
 * +4     4    version           1
 * +8     8    txid              the last committed transaction
 * +16    8    imageCount        block images in the log for that transaction
 * +24    8    firstDescriptor   block of the first descriptor, 0 if none
 * +32    8    descriptorCount
 * -16    16   trailer
 * </pre>
 *
 * <p>Descriptor (in a log slot; lists where each image of the transaction is and where it goes):
 * <pre>
 * offset size field
 * +0     4    kind              2 = descriptor
 * +4     4    entryCount
 * +8     8    txid
 * +16    8    nextDescriptor    block, 0 for the last
 * +24    24*n entries           home i64, logBlock i64, XXH64 of the whole image i64
 * -16    16   trailer
 * </pre>
 */
public final class WalCodec {
    static final int KIND_HEADER = 1;
    static final int KIND_DESCRIPTOR = 2;
    static final int DESCRIPTOR_HEADER = 24;
    static final int ENTRY = 24;

    private WalCodec() {
    }

    public record Header(long txid, long imageCount, long firstDescriptor, long descriptorCount) {
    }

    public record Entry(long home, long logBlock, long checksum) {
    }

    public record Descriptor(long txid, long next, Entry[] entries) {
    }

    public static long descriptorsFor(long images, int blockSize) {
        int per = descriptorCapacity(blockSize);
        return (images + per - 1) / per;
    }

    public static int descriptorCapacity(int blockSize) {
        return (blockSize - DESCRIPTOR_HEADER - BlockTrailer.SIZE) / ENTRY;
    }

    public static byte[] encodeHeader(Header h, int blockSize) {
        byte[] b = new byte[blockSize];
        LE.i32(b, 0, KIND_HEADER);
        LE.i32(b, 4, 1);
        LE.i64(b, 8, h.txid());
        LE.i64(b, 16, h.imageCount());
        LE.i64(b, 24, h.firstDescriptor());
        LE.i64(b, 32, h.descriptorCount());
        BlockTrailer.seal(b, Tag.MWAL, h.txid());
        return b;
    }

    public static Header decodeHeader(byte[] b, long blockNo) {
        BlockTrailer.verify(b, blockNo, Tag.MWAL);
        if (LE.i32(b, 0) != KIND_HEADER) {
            throw new CorruptImageException(blockNo, "WAL header", "kind " + LE.i32(b, 0) + " is not a header");
        }
        if (LE.i32(b, 4) != 1) {
            throw new CorruptImageException(blockNo, "WAL header", "unknown log version " + LE.i32(b, 4));
        }
        Header h = new Header(LE.i64(b, 8), LE.i64(b, 16), LE.i64(b, 24), LE.i64(b, 32));
        if (h.txid() < 0 || h.imageCount() < 0 || h.descriptorCount() < 0
                || (h.imageCount() == 0) != (h.firstDescriptor() == 0)) {
            throw new CorruptImageException(blockNo, "WAL header", "counts out of range");
        }
        return h;
    }

    public static byte[] encodeDescriptor(Descriptor d, int blockSize) {
        byte[] b = new byte[blockSize];
        LE.i32(b, 0, KIND_DESCRIPTOR);
        LE.i32(b, 4, d.entries().length);
        LE.i64(b, 8, d.txid());
        LE.i64(b, 16, d.next());
        int off = DESCRIPTOR_HEADER;
        for (Entry e : d.entries()) {
            LE.i64(b, off, e.home());
            LE.i64(b, off + 8, e.logBlock());
            LE.i64(b, off + 16, e.checksum());
            off += ENTRY;
        }
        BlockTrailer.seal(b, Tag.MWAL, d.txid());
        return b;
    }

    public static Descriptor decodeDescriptor(byte[] b, long blockNo) {
        BlockTrailer.verify(b, blockNo, Tag.MWAL);
        if (LE.i32(b, 0) != KIND_DESCRIPTOR) {
            throw new CorruptImageException(blockNo, "WAL descriptor", "kind " + LE.i32(b, 0) + " is not a descriptor");
        }
        int n = LE.i32(b, 4);
        if (n < 0 || n > descriptorCapacity(b.length)) {
            throw new CorruptImageException(blockNo, "WAL descriptor", "entry count " + n + " out of range");
        }
        Entry[] entries = new Entry[n];
        int off = DESCRIPTOR_HEADER;
        for (int i = 0; i < n; i++, off += ENTRY) {
            entries[i] = new Entry(LE.i64(b, off), LE.i64(b, off + 8), LE.i64(b, off + 16));
        }
        return new Descriptor(LE.i64(b, 8), LE.i64(b, 16), entries);
    }
}
