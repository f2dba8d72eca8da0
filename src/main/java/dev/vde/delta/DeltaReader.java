package dev.vde.delta;

import dev.vde.delta.DeltaFormat.Invalid;
import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.End;
import dev.vde.format.LE;
import dev.vde.format.UnsupportedFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads a delta stream and verifies it as it goes. The constructor reads and checks the header;
 * each {@link #next} returns the next record only after its checksum, its fields and (for DATA)
 * its data hash have been verified, returns the END record only after the counts, the stream
 * length and the checksum chain in it match and the stream has ended, and returns null after it.
 * Until the END record is returned, the stream may still turn out to be truncated or altered: a
 * caller that must not act on a bad stream (apply) stages what it reads and commits only then.
 *
 * <p>Every fault is a {@link CorruptDeltaException} naming the record and its byte offset, or an
 * {@link UnsupportedFormatException} for a version this code does not read; I/O errors of the
 * channel pass through. Memory is bounded whatever the stream holds: a 64 KiB read buffer, one
 * record buffer and, once a DATA record is met, one {@link DeltaFormat#MAX_DATA} data buffer. No
 * allocation is sized by a count or a length read from the stream.
 *
 * <p>The data of a DATA record is a read-only view of the data buffer, valid until the next call of
 * {@link #next}.
 */
public final class DeltaReader {
    private static final int BUFFER = 64 << 10;

    private final ReadableByteChannel in;
    private final String source;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER).flip();
    private final byte[] record = new byte[Math.max(DeltaFormat.HEADER_SIZE, DeltaFormat.MAX_RECORD)];
    private byte[] data;
    private final DeltaHeader header;
    private long chain;
    /** Bytes consumed. */
    private long position;
    /** Number and offset of the record last returned (0 and 0: the header). */
    private long number;
    private long offset;
    private long dataRecords;
    private String lastType = "header";
    private long dataBytes;
    private End end;
    private boolean done;

    /**
     * Reads and verifies the header.
     *
     * @param source the stream as users know it (a path, {@code stdin}), named in errors; or null
     * @throws CorruptDeltaException       if the stream is not a delta, is cut short in the header or
     *                                     the header fails its checksum or its rules
     * @throws UnsupportedFormatException  if the header is of another version
     */
    public DeltaReader(ReadableByteChannel in, String source) throws IOException {
        this.in = in;
        this.source = source;
        byte[] h = record;
        int n = read(h, 0, DeltaFormat.HEADER_SIZE);
        for (int i = 0; i < Math.min(n, 4); i++) {
            if ((h[i] & 0xff) != (DeltaFormat.MAGIC >>> (24 - 8 * i) & 0xff)) {
                throw corrupt(0, "header", 0, "not a vde delta: the stream does not start with \"RDLT\"");
            }
        }
        if (n < 6) {
            throw headerTruncated(n == 0 ? "the stream is empty" : "the stream ends at byte " + n + " inside the header");
        }
        int version = LE.u16(h, 4);
        if (version != DeltaFormat.VERSION) {
            throw new UnsupportedDeltaException(CorruptDeltaException.where(source, 0, "header", 0)
                    + ": delta format version " + version + " is not supported (this vde reads version "
                    + DeltaFormat.VERSION + ")");
        }
        if (n < DeltaFormat.HEADER_SIZE) {
            throw headerTruncated("the stream ends at byte " + n + " inside the header ("
                    + DeltaFormat.HEADER_SIZE + " bytes)");
        }
        long stored = LE.i64(h, HeaderCodec.CHECKSUM_AT);
        if (stored != DeltaFormat.xx(h, 0, HeaderCodec.CHECKSUM_AT)) {
            throw corrupt(0, "header", 0, "checksum mismatch: the header is damaged");
        }
        try {
            header = HeaderCodec.decode(h);
        } catch (Invalid e) {
            throw corrupt(0, "header", 0, e.getMessage());
        }
        chain = stored;
        position = n;
    }

    private CorruptDeltaException headerTruncated(String detail) {
        return corrupt(0, "header", 0, "truncated: " + detail);
    }

    /** Reads and verifies a whole stream: every record, the end record and the end of the stream. */
    public static Summary verifyAll(ReadableByteChannel in, String source) throws IOException {
        DeltaReader r = new DeltaReader(in, source);
        while (r.next() != null) {
            // each record is verified as it is read
        }
        return r.summary();
    }

    /** What a verified stream holds, as {@code vde inspect} sums it up. */
    public record Summary(DeltaHeader header, long records, long dataRecords, long dataBytes, long streamBytes) {
    }

    public DeltaHeader header() {
        return header;
    }

    /** The stream as users know it, named in errors; or null. */
    public String source() {
        return source;
    }

    /** The type of the record last returned, as errors name it ({@code header} before the first). */
    public String lastType() {
        return lastType;
    }

    /** The number of the record last returned (0 before the first: the header). */
    public long recordNumber() {
        return number;
    }

    /** The byte offset at which the record last returned starts. */
    public long recordOffset() {
        return offset;
    }

    /** Bytes read and verified so far. */
    public long position() {
        return position;
    }

    /**
     * The verified stream's summary.
     *
     * @throws IllegalStateException before the END record has been read
     */
    public Summary summary() {
        if (end == null) {
            throw new IllegalStateException("the stream has not been read to its end");
        }
        return new Summary(header, end.recordCount(), dataRecords, dataBytes, position);
    }

    /**
     * The next verified record: END last, then null.
     *
     * @throws CorruptDeltaException naming the record and its byte offset
     */
    public DeltaRecord next() throws IOException {
        if (done) {
            return null;
        }
        long at = position;
        long num = number + 1;
        int n = read(record, 0, DeltaFormat.FRAME);
        if (n == 0) {
            throw corrupt(num, null, at, "truncated: the stream ends without an end record");
        }
        if (n < DeltaFormat.FRAME) {
            throw corrupt(num, null, at, "truncated: the stream ends at byte " + (at + n) + " inside the record");
        }
        int tag = LE.be32(record, 0);
        RecordType t = RecordType.of(tag);
        if (t == null) {
            throw corrupt(num, null, at, "unknown record type " + describe(tag));
        }
        long length = LE.u32(record, 4);
        if (length < t.minBody() || length > t.maxBody()) {
            throw corrupt(num, t.label(), at, "body length " + length + " is not " + t.minBody()
                    + (t.minBody() == t.maxBody() ? "" : " to " + t.maxBody()));
        }
        int framed = DeltaFormat.FRAME + (int) length;
        n = read(record, DeltaFormat.FRAME, framed + DeltaFormat.CHECKSUM - DeltaFormat.FRAME);
        if (n < framed + DeltaFormat.CHECKSUM - DeltaFormat.FRAME) {
            throw corrupt(num, t.label(), at, "truncated: the stream ends at byte "
                    + (at + DeltaFormat.FRAME + n) + " inside the record");
        }
        long c = DeltaFormat.checksum(DeltaFormat.seed(chain, num, at), record, 0, framed);
        if (c != LE.i64(record, framed)) {
            throw corrupt(num, t.label(), at, "checksum mismatch: the record is damaged, or out of place");
        }
        DeltaRecord r;
        try {
            r = t == RecordType.DATA ? data(num, at) : RecordCodec.decode(t, record, DeltaFormat.FRAME, (int) length,
                    header.blockSize());
        } catch (Invalid e) {
            throw corrupt(num, t.label(), at, e.getMessage());
        }
        position = at + framed + DeltaFormat.CHECKSUM + (r instanceof Data ? ((Data) r).dataLength() : 0);
        long before = chain;
        chain = DeltaFormat.chain(chain, c);
        number = num;
        offset = at;
        lastType = t.label();
        if (r instanceof End) {
            checkEnd((End) r, before);
        }
        return r;
    }

    /** Reads and verifies the data after a DATA record whose frame and body are verified. */
    private Data data(long num, long at) throws IOException {
        RecordCodec.DataEntry e = RecordCodec.decodeData(record, DeltaFormat.FRAME, header.blockSize());
        if (dataRecords >= header.extentCount()) {
            throw new Invalid("more DATA records than the header's extentCount " + header.extentCount());
        }
        if (data == null) {
            data = new byte[DeltaFormat.MAX_DATA];
        }
        long dataAt = at + DeltaFormat.FRAME + 44 + DeltaFormat.CHECKSUM;
        int n = read(data, 0, e.dataLength());
        if (n < e.dataLength()) {
            throw new Invalid("truncated: the stream ends at byte " + (dataAt + n) + ", inside the record's "
                    + e.dataLength() + " bytes of data");
        }
        if (DeltaFormat.xx(data, 0, n) != e.dataHash()) {
            throw new Invalid("data checksum mismatch: the data at bytes " + dataAt + " to " + (dataAt + n)
                    + " is damaged");
        }
        dataRecords++;
        dataBytes += n;
        return new Data(e.inode(), e.logicalOffset(), e.blockCount(), e.startBlock(),
                ByteBuffer.wrap(data, 0, n).slice().asReadOnlyBuffer());
    }

    /** Checks the END record against what was read, and that nothing follows it. */
    private void checkEnd(End e, long chainBefore) throws IOException {
        String problem = null;
        if (e.recordCount() != number + 1) {
            problem = "record count " + e.recordCount() + ", but this is record " + number;
        } else if (e.streamBytes() != position) {
            problem = "stream length " + e.streamBytes() + ", but the stream ends at byte " + position;
        } else if (e.dataBytes() != dataBytes) {
            problem = "data bytes " + e.dataBytes() + ", but the DATA records hold " + dataBytes;
        } else if (dataRecords != header.extentCount()) {
            problem = dataRecords + " DATA records, but the header's extentCount is " + header.extentCount();
        } else if (e.streamChecksum() != chainBefore) {
            problem = "stream checksum mismatch";
        }
        if (problem != null) {
            throw corrupt(number, RecordType.END.label(), offset, problem);
        }
        byte[] one = new byte[1];
        if (read(one, 0, 1) != 0) {
            throw corrupt(number + 1, null, position, "bytes follow the end record");
        }
        end = e;
        done = true;
    }

    private CorruptDeltaException corrupt(long num, String kind, long at, String detail) {
        return new CorruptDeltaException(source, num, kind, at, detail);
    }

    private static String describe(int tag) {
        return String.format("0x%08x (\"%s\")", tag, dev.vde.format.Tag.describe(tag));
    }

    /** Reads up to {@code len} bytes; fewer only at the end of the stream. */
    private int read(byte[] dst, int off, int len) throws IOException {
        int got = 0;
        while (got < len) {
            if (!buffer.hasRemaining()) {
                if (len - got >= BUFFER) {
                    int n = in.read(ByteBuffer.wrap(dst, off + got, len - got));
                    if (n < 0) {
                        break;
                    }
                    got += n;
                    continue;
                }
                buffer.clear();
                int n = in.read(buffer);
                buffer.flip();
                if (n < 0) {
                    break;
                }
                continue;
            }
            int k = Math.min(buffer.remaining(), len - got);
            buffer.get(dst, off + got, k);
            got += k;
        }
        return got;
    }
}
