package dev.vde.delta;

import dev.vde.format.LE;
import dev.vde.inode.InodeCodec;
import net.openhft.hashing.LongHashFunction;

/**
 * The {@code .rdlt} delta format, version 1: its grammar, limits and checksum rules. The byte
 * layouts are in {@link HeaderCodec} (the header) and {@link RecordCodec} (every other record);
 * {@code man/rdlt.5} holds the same, for users.
 *
 * <pre>
 * stream   := header record* end
 * header   := 712 bytes, record 0, starting with the seed's 26-byte header ("RDLT", version,
 *             sinceTxId, untilTxId, extentCount)
 * record   := type u32 | bodyLength u32 | body | checksum i64 [ | data ]
 * data     := dataLength bytes after the checksum of a DATA record, and only there
 * end      := an END record; the stream ends right after it
 * </pre>
 *
 * <p>Records are numbered from 0 (the header); record {@code i} starts at byte offset
 * {@code o(i)}. Checksums are XXH64 throughout; integers are little-endian:
 *
 * <pre>
 * c(0)     = XXH64(seed 0) of header bytes [0, 704), stored at header +704
 * chain(0) = c(0)
 * s(i)     = XXH64(seed 0) of the 24 bytes  chain(i-1) | i | o(i)          (each an i64)
 * c(i)     = XXH64(seed s(i)) of the record's type, bodyLength and body, stored after the body
 * chain(i) = XXH64(seed 0) of the 16 bytes  chain(i-1) | c(i)
 * dataHash = XXH64(seed 0) of a DATA record's data, stored in its body
 * </pre>
 *
 * The seed binds each record to its number, its offset and everything before it, so an altered,
 * dropped, inserted or moved record fails its own checksum or the next one's; a stream cut short
 * lacks its END record, which holds the record count, the stream length, the data bytes and
 * {@code chain(n-1)} over every record before it.
 *
 * <p>No record is larger than {@link #MAX_RECORD} bytes plus {@link #MAX_DATA} bytes of data, so a
 * reader holds a bounded buffer whatever the counts and lengths in the stream say.
 */
public final class DeltaFormat {
    /** "RDLT" as stored, read as a big-endian int. */
    public static final int MAGIC = 0x52444C54;
    /** The version this code reads and writes. */
    public static final int VERSION = 1;
    /** Bytes of the header, its checksum included. */
    public static final int HEADER_SIZE = 712;
    /** Bytes of a record's type and bodyLength. */
    public static final int FRAME = 8;
    /** Bytes of a record's checksum. */
    public static final int CHECKSUM = 8;
    /** Longest name (file or snapshot), in bytes of UTF-8. */
    public static final int MAX_NAME = 255;
    /** Most data one DATA record carries: 1 MiB; a writer splits larger extents. */
    public static final int MAX_DATA = 1 << 20;
    /** Largest record without its data (frame, longest body, checksum). */
    public static final int MAX_RECORD = FRAME + 14 + MAX_NAME + CHECKSUM;
    /** Largest file size, and end of any byte range: 2^62, as in an image. */
    public static final long MAX_FILE_SIZE = InodeCodec.MAX_FILE_SIZE;

    private static final LongHashFunction XX = LongHashFunction.xx();

    private DeltaFormat() {
    }

    /** The seed of the checksum of record {@code number} at byte {@code offset}: s(i). */
    static long seed(long chain, long number, long offset) {
        byte[] b = new byte[24];
        LE.i64(b, 0, chain);
        LE.i64(b, 8, number);
        LE.i64(b, 16, offset);
        return XX.hashBytes(b);
    }

    /** The chain after a record with checksum {@code checksum}: chain(i). */
    static long chain(long chain, long checksum) {
        byte[] b = new byte[16];
        LE.i64(b, 0, chain);
        LE.i64(b, 8, checksum);
        return XX.hashBytes(b);
    }

    /** c(i): the checksum of a record's frame and body with seed {@code seed}. */
    static long checksum(long seed, byte[] b, int off, int len) {
        return LongHashFunction.xx(seed).hashBytes(b, off, len);
    }

    /** XXH64 with seed 0, as for the header and the data. */
    static long xx(byte[] b, int off, int len) {
        return XX.hashBytes(b, off, len);
    }

    /**
     * XXH64 of {@code data}'s remaining bytes. The hashing library reads a direct buffer through
     * sun.nio.ch, which would need {@code --add-exports} (or the manifest's Add-Exports under java
     * -jar): either costs every run of vde about 15 ms at start-up, so vde runs without, and a
     * direct buffer (none is passed today: diff reads into a heap buffer) is copied first.
     */
    static long xx(java.nio.ByteBuffer data) {
        if (data.hasArray()) {
            return XX.hashBytes(data);
        }
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return XX.hashBytes(copy);
    }

    /** True for the block sizes of an image: a power of two from 512 to 65536. */
    static boolean validBlockSize(long blockSize) {
        return blockSize >= 512 && blockSize <= 65536 && Long.bitCount(blockSize) == 1;
    }

    /** A stored value breaks a rule of the format; the reader turns it into a {@link CorruptDeltaException}. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }
}
