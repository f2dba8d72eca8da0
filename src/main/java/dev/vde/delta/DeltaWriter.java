package dev.vde.delta;

import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.End;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.format.LE;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes a delta stream: the header at once, then each record with its checksum as it is given,
 * then the end record on {@link #finish}. Memory stays flat: small records gather in a 64 KiB
 * buffer; data goes from the caller's buffer (heap, direct or mapped) straight to the channel.
 *
 * <p>The number of DATA records is part of the header, so it is known before any data is written:
 * {@link #dataRecords(long)} says how many records {@link #data} makes of an extent. A stream
 * abandoned before {@link #finish} has no end record, and every reader rejects it.
 *
 * <p>Misuse (a record that breaks a rule of the format, more or fewer DATA records than the header
 * announced, a record after the end) throws {@link IllegalArgumentException} or
 * {@link IllegalStateException}; the writer never produces a stream that {@link DeltaReader}
 * rejects. The channel stays open: the caller closes it.
 */
public final class DeltaWriter {
    private static final int BUFFER = 64 << 10;

    private final WritableByteChannel out;
    private final DeltaHeader header;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private final byte[] record = new byte[DeltaFormat.MAX_RECORD];
    private long chain;
    /** The number the next record gets; the header is record 0. */
    private long number = 1;
    private long bytes;
    private long dataRecords;
    private long dataBytes;
    private End end;

    /**
     * Starts a stream with {@code header}.
     *
     * @throws IllegalArgumentException if the header breaks a rule of the format
     */
    public DeltaWriter(WritableByteChannel out, DeltaHeader header) throws IOException {
        this.out = out;
        this.header = header;
        byte[] h = HeaderCodec.encode(header);
        chain = LE.i64(h, HeaderCodec.CHECKSUM_AT);
        put(ByteBuffer.wrap(h));
        bytes = h.length;
    }

    /** DATA records that {@link #data} writes for {@code bytes} bytes of an extent: one per started MiB. */
    public static long dataRecords(long bytes) {
        return (bytes + DeltaFormat.MAX_DATA - 1) / DeltaFormat.MAX_DATA;
    }

    public DeltaHeader header() {
        return header;
    }

    /** A new, empty file {@code name}, known as {@code inode} to the records after it. */
    public void newFile(long inode, String name) throws IOException {
        write(new File(inode, true, name));
    }

    /** File {@code inode} of the base, named {@code name} there, which the records after it change. */
    public void file(long inode, String name) throws IOException {
        write(new File(inode, false, name));
    }

    public void rename(long inode, String newName) throws IOException {
        write(new Move(inode, newName));
    }

    public void size(long inode, long size) throws IOException {
        write(new Size(inode, size));
    }

    public void hole(long inode, long offset, long length) throws IOException {
        write(new Hole(inode, offset, length));
    }

    public void delete(long inode, String name) throws IOException {
        write(new Delete(inode, name));
    }

    /**
     * Data of file {@code inode} at byte {@code logicalOffset}: the remaining bytes of {@code data}
     * (whole blocks, any number), as {@link #dataRecords(long)} DATA records of at most
     * {@link DeltaFormat#MAX_DATA} bytes. {@code data}'s position is left as it was.
     *
     * @param startBlock where the data lies on the source (informational)
     */
    public void data(long inode, long logicalOffset, long startBlock, ByteBuffer data) throws IOException {
        int bs = header.blockSize();
        long length = data.remaining();
        if (length == 0 || length % bs != 0) {
            throw new IllegalArgumentException("data of " + length + " bytes is not whole blocks of " + bs);
        }
        for (long done = 0; done < length; done += DeltaFormat.MAX_DATA) {
            int n = (int) Math.min(DeltaFormat.MAX_DATA, length - done);
            ByteBuffer piece = data.slice(data.position() + (int) done, n);
            write(new Data(inode, logicalOffset + done, n / bs, startBlock + done / bs, piece));
        }
    }

    /**
     * Writes one record (any type but END, which {@link #finish} writes). A DATA record carries at
     * most {@link DeltaFormat#MAX_DATA} bytes; {@link #data} splits larger extents.
     */
    public void write(DeltaRecord r) throws IOException {
        if (end != null) {
            throw new IllegalStateException("the delta is finished");
        }
        if (r instanceof End) {
            throw new IllegalArgumentException("finish() writes the end record");
        }
        if (r instanceof Data && dataRecords >= header.extentCount()) {
            throw new IllegalStateException("more DATA records than the " + header.extentCount()
                    + " the header announced");
        }
        append(r);
    }

    /**
     * Writes the end record and flushes; the channel stays open.
     *
     * @return the end record written
     * @throws IllegalStateException if fewer DATA records were written than the header announced
     */
    public End finish() throws IOException {
        if (end != null) {
            return end;
        }
        if (dataRecords != header.extentCount()) {
            throw new IllegalStateException(dataRecords + " DATA records written; the header announced "
                    + header.extentCount());
        }
        End e = new End(number + 1, bytes + DeltaFormat.FRAME + 32 + DeltaFormat.CHECKSUM, dataBytes, chain);
        append(e);
        flush();
        end = e;
        return e;
    }

    /** Bytes written so far (some may still wait in the buffer). */
    public long bytes() {
        return bytes;
    }

    /** Records written so far, the header included. */
    public long records() {
        return number;
    }

    public long dataRecords() {
        return dataRecords;
    }

    public long dataBytes() {
        return dataBytes;
    }

    private void append(DeltaRecord r) throws IOException {
        int n = RecordCodec.encode(r, header.blockSize(), record);
        long c = DeltaFormat.checksum(DeltaFormat.seed(chain, number, bytes), record, 0, n);
        LE.i64(record, n, c);
        put(ByteBuffer.wrap(record, 0, n + DeltaFormat.CHECKSUM));
        chain = DeltaFormat.chain(chain, c);
        number++;
        bytes += n + DeltaFormat.CHECKSUM;
        if (r instanceof Data) {
            ByteBuffer data = ((Data) r).data().duplicate();
            dataRecords++;
            dataBytes += data.remaining();
            bytes += data.remaining();
            put(data);
        }
    }

    private void put(ByteBuffer b) throws IOException {
        if (b.remaining() <= buffer.remaining()) {
            buffer.put(b);
            return;
        }
        flush();
        if (b.remaining() <= buffer.remaining() / 4) {
            buffer.put(b);
        } else {
            writeFully(b);
        }
    }

    private void flush() throws IOException {
        buffer.flip();
        writeFully(buffer);
        buffer.clear();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            out.write(b);
        }
    }
}
