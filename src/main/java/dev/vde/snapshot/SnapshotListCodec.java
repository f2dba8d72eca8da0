package dev.vde.snapshot;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CatalogRootCodec;
import dev.vde.format.CorruptImageException;
import dev.vde.format.InodeLayout;
import dev.vde.format.LE;
import dev.vde.format.Utf8;
import dev.vde.inode.FileDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Encodes a snapshot list page (tag {@code SLST}): a chain of pages holding the catalog's
 * snapshot records in id order.
 *
 * <pre>
 * page
 * +0     8    next        next list page, 0 in the last
 * +8     4    count       records in this page
 * +12    4    reserved (0)
 * +16    ..   records     count x 384 bytes
 * -16    16   trailer (tag SLST, generation, XXH64)
 *
 * record (384 bytes)
 * +0     8    id          1, 2, ... never reused
 * +8     16   uuid        (most significant long first, each big-endian)
 * +24    8    txid        transaction that took it
 * +32    8    createdMillis
 * +40    8    digestA     content digest, lane A (SnapshotDigest)
 * +48    8    digestB     content digest, lane B
 * +56    8    fileCount
 * +64    8    bytes       sum of the file sizes
 * +72    8    extentCount
 * +80    8    dataBlocks  data blocks its files map
 * +88    8    filesHead   first file-table page (SFIL), 0 without files
 * +96    8    filesPages
 * +104   8    metaBlocks  its file-table pages and extent-tree nodes
 * +112   2    nameLength  1..255
 * +114   255  name        UTF-8
 * +369   8    localTxid   this image's transaction that made it: txid for a snapshot taken
 *                         here, the apply transaction for one received in a delta (whose txid
 *                         is the source's); 0 in images written before the field: read as txid
 * +377   7    reserved (0)
 * </pre>
 */
public final class SnapshotListCodec {
    public static final int RECORD = 384;
    static final int HEADER = 16;

    private SnapshotListCodec() {
    }

    public static int perPage(int blockSize) {
        return (blockSize - HEADER - BlockTrailer.SIZE) / RECORD;
    }

    public static byte[] encode(List<SnapshotRecord> records, long next, int blockSize) {
        byte[] b = new byte[blockSize];
        LE.i64(b, 0, next);
        LE.i32(b, 8, records.size());
        int off = HEADER;
        for (SnapshotRecord r : records) {
            LE.i64(b, off, r.id);
            LE.be64(b, off + 8, r.uuid.getMostSignificantBits());
            LE.be64(b, off + 16, r.uuid.getLeastSignificantBits());
            LE.i64(b, off + 24, r.txid);
            LE.i64(b, off + 32, r.createdMillis);
            LE.i64(b, off + 40, r.digest.a());
            LE.i64(b, off + 48, r.digest.b());
            LE.i64(b, off + 56, r.fileCount);
            LE.i64(b, off + 64, r.bytes);
            LE.i64(b, off + 72, r.extentCount);
            LE.i64(b, off + 80, r.dataBlocks);
            LE.i64(b, off + 88, r.filesHead);
            LE.i64(b, off + 96, r.filesPages);
            LE.i64(b, off + 104, r.metaBlocks);
            byte[] name = r.name.getBytes(StandardCharsets.UTF_8);
            LE.u16(b, off + 112, name.length);
            System.arraycopy(name, 0, b, off + 114, name.length);
            LE.i64(b, off + 369, r.localTxid);
            off += RECORD;
        }
        return b;
    }

    /** The next page of a verified page. */
    public static long next(byte[] b) {
        return LE.i64(b, 0);
    }

    /** Decodes the records of a verified page into {@code out}, validating each. */
    public static void decode(byte[] b, long blockNo, long dataStart, long totalBlocks, List<SnapshotRecord> out) {
        int count = LE.i32(b, 8);
        long next = LE.i64(b, 0);
        if (count < 1 || count > perPage(b.length)) {
            throw new CorruptImageException(blockNo, "snapshot list page", "record count " + count);
        }
        if (next != 0 && (next < dataStart || next >= totalBlocks)) {
            throw new CorruptImageException(blockNo, "snapshot list page", "next page " + next + " is outside the data region");
        }
        int off = HEADER;
        for (int i = 0; i < count; i++, off += RECORD) {
            SnapshotRecord r = new SnapshotRecord();
            r.id = LE.i64(b, off);
            r.uuid = new UUID(LE.be64(b, off + 8), LE.be64(b, off + 16));
            r.txid = LE.i64(b, off + 24);
            r.createdMillis = LE.i64(b, off + 32);
            r.digest = new FileDigest(LE.i64(b, off + 40), LE.i64(b, off + 48));
            r.fileCount = LE.i64(b, off + 56);
            r.bytes = LE.i64(b, off + 64);
            r.extentCount = LE.i64(b, off + 72);
            r.dataBlocks = LE.i64(b, off + 80);
            r.filesHead = LE.i64(b, off + 88);
            r.filesPages = LE.i64(b, off + 96);
            r.metaBlocks = LE.i64(b, off + 104);
            int nameLength = LE.u16(b, off + 112);
            String where = "snapshot record " + i;
            if (nameLength < 1 || nameLength > InodeLayout.MAX_NAME_BYTES) {
                throw new CorruptImageException(blockNo, where, "name length " + nameLength);
            }
            r.name = Utf8.decode(b, off + 114, nameLength, blockNo, where);
            long local = LE.i64(b, off + 369);
            r.localTxid = local == 0 ? r.txid : local;
            if (r.id < 1 || r.id > CatalogRootCodec.MAX_SNAPSHOT_ID || r.txid < 1 || r.localTxid < 1 || r.fileCount < 0 || r.bytes < 0 || r.extentCount < 0 || r.dataBlocks < 0
                    || r.metaBlocks < 0 || r.filesPages < 0 || (r.filesHead == 0) != (r.fileCount == 0)
                    || (r.filesHead == 0) != (r.filesPages == 0)
                    || (r.filesHead != 0 && (r.filesHead < dataStart || r.filesHead >= totalBlocks))) {
                throw new CorruptImageException(blockNo, "snapshot '" + r.name + "'", "fields out of range");
            }
            out.add(r);
        }
    }
}
