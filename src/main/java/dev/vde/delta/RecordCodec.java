package dev.vde.delta;

import dev.vde.delta.DeltaFormat.Invalid;
import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.End;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.format.LE;
import dev.vde.image.Names;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes the records of a delta after its header. Every record has the same frame:
 *
 * <pre>
 * +0     4    type         four ASCII letters: FILE MOVE SIZE HOLE DATA DELE "END "
 * +4     4    bodyLength   u32, L: the type's fixed length, or fixed part + nameLength
 * +8     L    body         below
 * +8+L   8    checksum     c(i), XXH64 with seed s(i) of bytes [+0, +8+L) (see DeltaFormat)
 * </pre>
 *
 * Bodies (inode: the file's inode number on the source, i64 &gt;= 1; names: 1 to 255 bytes of
 * UTF-8, valid file names; ranges: within [0, 2^62]):
 *
 * <pre>
 * FILE (14 + n)   a file of the delta (bodyLength 15 to 269; MOVE and DELE 11 to 265)
 * +0     8    inode
 * +8     4    flags        u32: bit 0 NEW (a new, empty file); clear: a file of the base; other bits 0
 * +12    2    nameLength   u16, n = L - 14
 * +14    n    name         its name: new, or as the base holds it
 *
 * MOVE (10 + n)   a rename
 * +0     8    inode
 * +8     2    nameLength   u16, n = L - 10
 * +10    n    name         the new name
 *
 * SIZE (16)       a size change
 * +0     8    inode
 * +8     8    size         i64, 0 to 2^62
 *
 * HOLE (24)       a range that becomes a hole
 * +0     8    inode
 * +8     8    offset       i64, a multiple of blockSize
 * +16    8    length       i64, a positive multiple of blockSize; offset + length &lt;= 2^62
 *
 * DATA (44)       file data: the seed's 36-byte extent entry, a hash, then (after the checksum) the data
 * +0     8    startBlock   i64, where the data lay on the source: informational, never a write target
 * +8     4    blockCount   i32, 1 to MAX_DATA / blockSize
 * +12    4    flags        u32, 0 (the seed's Compressed, Encrypted, Hole ... are not used)
 * +16    8    logicalOffset i64, a multiple of blockSize; logicalOffset + dataLength &lt;= 2^62
 * +24    8    sourceInode  the inode
 * +32    4    dataLength   i32, blockCount * blockSize (at most MAX_DATA, 1 MiB)
 * +36    8    dataHash     XXH64, seed 0, of the data
 * then dataLength bytes of data
 *
 * DELE (10 + n)   a deletion
 * +0     8    inode
 * +8     2    nameLength   u16, n = L - 10
 * +10    n    name         its name in the base
 *
 * END (32)        the last record (record n)
 * +0     8    recordCount  u64, n + 1: every record, the header and this one included
 * +8     8    streamBytes  u64, bytes of the whole stream, this record included
 * +16    8    dataBytes    u64, sum of dataLength over the DATA records
 * +24    8    streamChecksum  chain(n-1)
 * </pre>
 */
public final class RecordCodec {
    /** Offset of the data hash in a DATA body. */
    static final int DATA_HASH_AT = 36;
    private static final int NEW = 1;

    private RecordCodec() {
    }

    /** The seed's extent entry of a DATA record, and the hash of its data, as decoded. */
    record DataEntry(long startBlock, int blockCount, long logicalOffset, long inode, int dataLength, long dataHash) {
    }

    /**
     * Writes a record's frame and body into {@code b} from offset 0 (a DATA record's data hash
     * included; its data is not copied).
     *
     * @return the bytes written: 8 + bodyLength
     * @throws IllegalArgumentException if the record breaks a rule of the format
     */
    static int encode(DeltaRecord r, int blockSize, byte[] b) {
        String problem = problem(r, blockSize);
        if (problem != null) {
            throw new IllegalArgumentException(r.type().label() + " record: " + problem);
        }
        int body;
        if (r instanceof File) {
            File f = (File) r;
            LE.i64(b, 8, f.inode());
            LE.i32(b, 16, f.created() ? NEW : 0);
            body = 12 + name(b, 20, f.name());
        } else if (r instanceof Move || r instanceof Delete) {
            LE.i64(b, 8, r.inode());
            body = 8 + name(b, 16, r instanceof Move ? ((Move) r).name() : ((Delete) r).name());
        } else if (r instanceof Size) {
            body = longs(b, ((Size) r).inode(), ((Size) r).size());
        } else if (r instanceof Hole) {
            Hole h = (Hole) r;
            body = longs(b, h.inode(), h.offset(), h.length());
        } else if (r instanceof Data) {
            Data d = (Data) r;
            LE.i64(b, 8, d.startBlock());
            LE.i32(b, 16, d.blockCount());
            LE.i32(b, 20, 0);
            LE.i64(b, 24, d.logicalOffset());
            LE.i64(b, 32, d.inode());
            LE.i32(b, 40, d.dataLength());
            LE.i64(b, 8 + DATA_HASH_AT, DeltaFormat.xx(d.data()));
            body = 44;
        } else {
            End e = (End) r;
            body = longs(b, e.recordCount(), e.streamBytes(), e.dataBytes(), e.streamChecksum());
        }
        LE.be32(b, 0, r.type().value());
        LE.i32(b, 4, body);
        return DeltaFormat.FRAME + body;
    }

    private static int longs(byte[] b, long... values) {
        for (int i = 0; i < values.length; i++) {
            LE.i64(b, 8 + 8 * i, values[i]);
        }
        return 8 * values.length;
    }

    /** Writes nameLength and the name at {@code off}; returns their bytes. */
    private static int name(byte[] b, int off, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        LE.u16(b, off, n.length);
        System.arraycopy(n, 0, b, off + 2, n.length);
        return 2 + n.length;
    }

    /**
     * Decodes the body of a record of any type but DATA ({@link #decodeData}).
     *
     * @param b   holds the body at {@code off}, {@code length} bytes, within the type's bounds
     * @throws Invalid if a field breaks a rule of the format
     */
    static DeltaRecord decode(RecordType type, byte[] b, int off, int length, int blockSize) {
        DeltaRecord r;
        switch (type) {
            case FILE: {
                long flags = LE.u32(b, off + 8);
                if ((flags & ~NEW) != 0) {
                    throw new Invalid(String.format("flags 0x%08x: only bit 0 (NEW) is defined", flags));
                }
                r = new File(LE.i64(b, off), flags == NEW, name(b, off + 12, length - 12));
                break;
            }
            case MOVE:
                r = new Move(LE.i64(b, off), name(b, off + 8, length - 8));
                break;
            case DELE:
                r = new Delete(LE.i64(b, off), name(b, off + 8, length - 8));
                break;
            case SIZE:
                r = new Size(LE.i64(b, off), LE.i64(b, off + 8));
                break;
            case HOLE:
                r = new Hole(LE.i64(b, off), LE.i64(b, off + 8), LE.i64(b, off + 16));
                break;
            case END:
                r = new End(LE.i64(b, off), LE.i64(b, off + 8), LE.i64(b, off + 16), LE.i64(b, off + 24));
                break;
            default:
                throw new IllegalArgumentException("decode DATA with decodeData");
        }
        String problem = problem(r, blockSize);
        if (problem != null) {
            throw new Invalid(problem);
        }
        return r;
    }

    /**
     * Decodes the body of a DATA record (44 bytes at {@code off}).
     *
     * @throws Invalid if a field breaks a rule of the format
     */
    static DataEntry decodeData(byte[] b, int off, int blockSize) {
        long flags = LE.u32(b, off + 12);
        if (flags != 0) {
            throw new Invalid(String.format("extent flags 0x%08x: version 1 defines none", flags));
        }
        DataEntry e = new DataEntry(LE.i64(b, off), LE.i32(b, off + 8), LE.i64(b, off + 16), LE.i64(b, off + 24),
                LE.i32(b, off + 32), LE.i64(b, off + DATA_HASH_AT));
        String problem = dataProblem(e.inode(), e.logicalOffset(), e.blockCount(), e.dataLength(), blockSize);
        if (problem != null) {
            throw new Invalid(problem);
        }
        return e;
    }

    /** What is wrong with a record's values, or null. */
    static String problem(DeltaRecord r, int blockSize) {
        if (r instanceof End) {
            End e = (End) r;
            return e.recordCount() < 2 || e.streamBytes() < DeltaFormat.HEADER_SIZE || e.dataBytes() < 0
                    ? "counts " + e.recordCount() + ", " + e.streamBytes() + ", " + e.dataBytes() + " are impossible"
                    : null;
        }
        long inode = r.inode();
        if (inode < 1) {
            return "inode " + inode + " is not positive";
        }
        if (r instanceof File) {
            return nameProblem(((File) r).name());
        } else if (r instanceof Move) {
            return nameProblem(((Move) r).name());
        } else if (r instanceof Delete) {
            return nameProblem(((Delete) r).name());
        } else if (r instanceof Size) {
            long size = ((Size) r).size();
            return size < 0 || size > DeltaFormat.MAX_FILE_SIZE ? "size " + size + " is not 0 to 2^62" : null;
        } else if (r instanceof Hole) {
            Hole h = (Hole) r;
            return rangeProblem(h.offset(), h.length(), blockSize);
        }
        Data d = (Data) r;
        return dataProblem(inode, d.logicalOffset(), d.blockCount(), d.dataLength(), blockSize);
    }

    private static String dataProblem(long inode, long logicalOffset, int blockCount, long dataLength, int blockSize) {
        if (inode < 1) {
            return "inode " + inode + " is not positive";
        }
        if (blockCount < 1 || blockCount > DeltaFormat.MAX_DATA / blockSize) {
            return "block count " + blockCount + " is not 1 to " + DeltaFormat.MAX_DATA / blockSize;
        }
        if (dataLength != (long) blockCount * blockSize) {
            return "data length " + dataLength + " is not " + blockCount + " blocks of " + blockSize;
        }
        return rangeProblem(logicalOffset, dataLength, blockSize);
    }

    /** A block-aligned, non-empty byte range inside [0, 2^62], or what is wrong with it. */
    private static String rangeProblem(long offset, long length, int blockSize) {
        if (offset < 0 || offset % blockSize != 0 || length <= 0 || length % blockSize != 0
                || offset > DeltaFormat.MAX_FILE_SIZE - length) {
            return "range of " + length + " bytes at offset " + offset + " is not whole blocks of " + blockSize
                    + " within 2^62";
        }
        return null;
    }

    private static String nameProblem(String name) {
        try {
            nameBytes(name, "file name");
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * A valid name's UTF-8 bytes.
     *
     * @throws IllegalArgumentException naming {@code what} if the name is not valid
     */
    static byte[] nameBytes(String name, String what) {
        return Names.validate(name, what).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Decodes a stored name strictly: malformed UTF-8 and names vde does not allow are damage.
     *
     * @throws Invalid naming {@code what}
     */
    static String name(byte[] b, int off, int length, String what) {
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, length)).toString();
        } catch (CharacterCodingException e) {
            throw new Invalid(what + " is not valid UTF-8");
        }
        try {
            return Names.validate(name, what);
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage());
        }
    }

    /** A name stored as nameLength u16 and the name, filling {@code length} bytes at {@code off}. */
    private static String name(byte[] b, int off, int length) {
        int n = LE.u16(b, off);
        if (n != length - 2) {
            throw new Invalid("name length " + n + " does not fit the body (" + (length - 2) + " bytes of name)");
        }
        return name(b, off + 2, n, "file name");
    }

    /**
     * Checks that {@code length} bytes at {@code off} are zero.
     *
     * @throws Invalid naming {@code what}
     */
    static void zeros(byte[] b, int off, int length, String what) {
        for (int i = off; i < off + length; i++) {
            if (b[i] != 0) {
                throw new Invalid(what + ": byte " + (i - off) + " is not zero");
            }
        }
    }
}
