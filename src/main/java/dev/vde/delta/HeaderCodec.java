package dev.vde.delta;

import dev.vde.delta.DeltaFormat.Invalid;
import dev.vde.format.LE;
import dev.vde.inode.FileDigest;
import java.util.UUID;

/**
 * Encodes and decodes the header of a delta (record 0, {@value DeltaFormat#HEADER_SIZE} bytes). The
 * first 26 bytes are the seed's header.
 *
 * <pre>
 * +0     4    magic        "RDLT" (52 44 4C 54)
 * +4     2    version      u16, 1
 * +6     8    sinceTxId    i64, txid of the base snapshot; 0 for a full delta
 * +14    8    untilTxId    i64, txid of the snapshot the delta leads to
 * +22    4    extentCount  i32 &gt;= 0, number of DATA records in the stream
 *             (the seed's header ends here)
 * +26    2    flags        u16: bit 0 set = the delta has a base (incremental); other bits 0
 * +28    4    blockSize    u32, power of two from 512 to 65536: the source image's
 * +32    16   sourceImage  uuid of the source image (two big-endian halves)
 * +48    328  snapshot     identity of the snapshot the delta leads to
 * +376   328  base         identity of the base snapshot; all zeros when flags bit 0 is clear
 * +704   8    checksum     XXH64, seed 0, of bytes [0, 704)
 *
 * identity (328 bytes)
 * +0     16   uuid           two big-endian halves, as in the image
 * +16    8    txid           i64 &gt;= 0, the transaction that took the snapshot on the source
 * +24    8    createdMillis  i64, creation time on the source (ms since 1970, UTC)
 * +32    8    digestA        content digest, lane A (SnapshotDigest)
 * +40    8    digestB        content digest, lane B
 * +48    8    fileCount      i64 &gt;= 0
 * +56    8    bytes          i64 &gt;= 0, sum of the file sizes
 * +64    2    nameLength     u16, 1..255
 * +66    255  name           UTF-8, a valid snapshot name; bytes after it 0
 * +321   7    reserved       0
 * </pre>
 *
 * {@code sinceTxId} and {@code untilTxId} repeat the txids of the base and of the snapshot, and
 * must agree with them.
 */
public final class HeaderCodec {
    static final int IDENTITY = 328;
    static final int SNAPSHOT_AT = 48;
    static final int BASE_AT = SNAPSHOT_AT + IDENTITY;
    static final int CHECKSUM_AT = BASE_AT + IDENTITY;
    static final int FLAG_BASE = 1;

    private HeaderCodec() {
    }

    /**
     * @throws IllegalArgumentException if the header breaks a rule of the format
     */
    static byte[] encode(DeltaHeader h) {
        if (h.version() != DeltaFormat.VERSION) {
            throw new IllegalArgumentException("cannot write delta format version " + h.version());
        }
        if (!DeltaFormat.validBlockSize(h.blockSize())) {
            throw new IllegalArgumentException("block size " + h.blockSize() + " is not a power of two from 512 to 65536");
        }
        if (h.extentCount() < 0) {
            throw new IllegalArgumentException("extent count " + h.extentCount() + " is negative");
        }
        if (h.snapshot() == null || h.sourceImage() == null) {
            throw new IllegalArgumentException("a delta needs a source image uuid and a snapshot");
        }
        byte[] b = new byte[DeltaFormat.HEADER_SIZE];
        LE.be32(b, 0, DeltaFormat.MAGIC);
        LE.u16(b, 4, h.version());
        LE.i64(b, 6, h.sinceTxId());
        LE.i64(b, 14, h.untilTxId());
        LE.i32(b, 22, h.extentCount());
        LE.u16(b, 26, h.full() ? 0 : FLAG_BASE);
        LE.i32(b, 28, h.blockSize());
        uuid(b, 32, h.sourceImage());
        identity(b, SNAPSHOT_AT, h.snapshot());
        if (!h.full()) {
            identity(b, BASE_AT, h.base());
        }
        LE.i64(b, CHECKSUM_AT, DeltaFormat.xx(b, 0, CHECKSUM_AT));
        return b;
    }

    private static void identity(byte[] b, int off, SnapshotId s) {
        String problem = s.uuid() == null ? "uuid is missing" : problem(s);
        if (problem != null) {
            throw new IllegalArgumentException("snapshot " + s.name() + ": " + problem);
        }
        uuid(b, off, s.uuid());
        LE.i64(b, off + 16, s.txid());
        LE.i64(b, off + 24, s.createdMillis());
        LE.i64(b, off + 32, s.digest().a());
        LE.i64(b, off + 40, s.digest().b());
        LE.i64(b, off + 48, s.fileCount());
        LE.i64(b, off + 56, s.bytes());
        byte[] name = RecordCodec.nameBytes(s.name(), "snapshot name");
        LE.u16(b, off + 64, name.length);
        System.arraycopy(name, 0, b, off + 66, name.length);
    }

    /** What is wrong with a snapshot identity's numbers, or null. */
    private static String problem(SnapshotId s) {
        if (s.txid() < 1) {
            // Every snapshot is taken by a transaction, and txids start at 1 (an image stores none below).
            return "txid " + s.txid() + " is below 1";
        }
        if (s.fileCount() < 0 || s.bytes() < 0) {
            return "file count " + s.fileCount() + " or size " + s.bytes() + " is negative";
        }
        return s.digest() == null ? "digest is missing" : null;
    }

    private static void uuid(byte[] b, int off, UUID u) {
        LE.be64(b, off, u.getMostSignificantBits());
        LE.be64(b, off + 8, u.getLeastSignificantBits());
    }

    private static UUID uuid(byte[] b, int off) {
        return new UUID(LE.be64(b, off), LE.be64(b, off + 8));
    }

    /**
     * Decodes a header whose magic, version and checksum the caller has checked.
     *
     * @throws Invalid if a field breaks a rule of the format
     */
    static DeltaHeader decode(byte[] b) {
        int flags = LE.u16(b, 26);
        if ((flags & ~FLAG_BASE) != 0) {
            throw new Invalid(String.format("flags 0x%04x: only bit 0 is defined", flags));
        }
        long blockSize = LE.u32(b, 28);
        if (!DeltaFormat.validBlockSize(blockSize)) {
            throw new Invalid("block size " + blockSize + " is not a power of two from 512 to 65536");
        }
        int extentCount = LE.i32(b, 22);
        if (extentCount < 0) {
            throw new Invalid("extent count " + extentCount + " is negative");
        }
        SnapshotId snapshot = identity(b, SNAPSHOT_AT, "snapshot");
        SnapshotId base = null;
        if ((flags & FLAG_BASE) != 0) {
            base = identity(b, BASE_AT, "base");
        } else {
            RecordCodec.zeros(b, BASE_AT, IDENTITY, "base identity of a full delta");
        }
        DeltaHeader h = new DeltaHeader(LE.u16(b, 4), (int) blockSize, uuid(b, 32), snapshot, base, extentCount);
        if (LE.i64(b, 6) != h.sinceTxId() || LE.i64(b, 14) != h.untilTxId()) {
            throw new Invalid("sinceTxId " + LE.i64(b, 6) + " and untilTxId " + LE.i64(b, 14)
                    + " do not match the txids of the base (" + h.sinceTxId() + ") and the snapshot ("
                    + h.untilTxId() + ")");
        }
        return h;
    }

    private static SnapshotId identity(byte[] b, int off, String which) {
        int nameLength = LE.u16(b, off + 64);
        if (nameLength < 1 || nameLength > DeltaFormat.MAX_NAME) {
            throw new Invalid(which + " name length " + nameLength + " is not 1 to " + DeltaFormat.MAX_NAME);
        }
        RecordCodec.zeros(b, off + 66 + nameLength, IDENTITY - 66 - nameLength, which + " identity after the name");
        String name = RecordCodec.name(b, off + 66, nameLength, which + " name");
        SnapshotId s = new SnapshotId(uuid(b, off), name, LE.i64(b, off + 16), LE.i64(b, off + 24),
                new FileDigest(LE.i64(b, off + 32), LE.i64(b, off + 40)), LE.i64(b, off + 48), LE.i64(b, off + 56));
        String problem = problem(s);
        if (problem != null) {
            throw new Invalid(which + " " + problem);
        }
        return s;
    }
}
