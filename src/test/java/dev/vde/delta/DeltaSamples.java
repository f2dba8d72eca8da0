package dev.vde.delta;

import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.inode.FileDigest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Headers, records and written streams for the delta tests, from fixed values (no clock, no random uuid). */
public final class DeltaSamples {
    public static final UUID SOURCE = UUID.fromString("0e4f3c52-5d1a-4b8e-9f6a-2c7d8e9f0a1b");

    private DeltaSamples() {
    }

    public static SnapshotId snapshot(String name, long txid) {
        return new SnapshotId(new UUID(0x5eed000000000000L + txid, 0x8000000000000000L | txid), name, txid,
                1_790_000_000_000L + txid * 1000, new FileDigest(0x0123456789abcdefL * txid, ~txid), txid % 7,
                txid * 4096);
    }

    public static DeltaHeader full(int blockSize, int extents) {
        return new DeltaHeader(blockSize, SOURCE, snapshot("monday", 12), null, extents);
    }

    public static DeltaHeader incremental(int blockSize, int extents) {
        return new DeltaHeader(blockSize, SOURCE, snapshot("tuesday", 40), snapshot("monday", 12), extents);
    }

    /** {@code blocks} blocks of bytes from {@code seed}. */
    public static ByteBuffer data(int blockSize, int blocks, long seed) {
        byte[] b = new byte[blockSize * blocks];
        new Random(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /**
     * A written stream.
     *
     * @param starts the offset at which each record starts, by record number (0: the header), and last
     *               the stream length
     */
    public record Stream(byte[] bytes, long[] starts) {
        /** The number of the record that holds byte {@code offset}; for the stream length, the record that would start there. */
        public int recordAt(long offset) {
            for (int k = starts.length - 2; k >= 0; k--) {
                if (starts[k] <= offset) {
                    return k;
                }
            }
            throw new AssertionError(offset);
        }
    }

    /** Writes {@code records} (no END: the writer adds it) after {@code header}. */
    public static Stream write(DeltaHeader header, List<DeltaRecord> records) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DeltaWriter w = new DeltaWriter(Channels.newChannel(out), header);
            long[] starts = new long[records.size() + 3];
            int k = 1;
            for (DeltaRecord r : records) {
                starts[k++] = w.bytes();
                w.write(r);
            }
            starts[k++] = w.bytes();
            w.finish();
            starts[k] = w.bytes();
            return new Stream(out.toByteArray(), starts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every kind of record, a hole and data of a new file, a rename, a truncation and a deletion: 9 records. */
    public static List<DeltaRecord> everyKind(int blockSize) {
        return List.of(
                new Delete(4, "gone.txt"),
                new File(3, false, "old name"),
                new Move(3, "renamed"),
                new Size(3, 0),
                new File(7, true, "new.txt"),
                new Size(7, 2L * blockSize - 24),
                new Data(7, 0, 1, 4242, data(blockSize, 1, 7)),
                new Hole(7, blockSize, blockSize));
    }

    /** The small delta of the damage tests: {@link #everyKind} at 512-byte blocks, incremental (1578 bytes). */
    public static Stream small() {
        return write(incremental(512, 1), everyKind(512));
    }

    /** Every record of a stream, data copied out of the reader's buffer. */
    public static List<DeltaRecord> readAll(byte[] stream) throws IOException {
        DeltaReader r = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(stream)), "test");
        List<DeltaRecord> all = new ArrayList<>();
        for (DeltaRecord rec = r.next(); rec != null; rec = r.next()) {
            all.add(copy(rec));
        }
        return all;
    }

    /** The record with its data (if any) in a buffer of its own. */
    public static DeltaRecord copy(DeltaRecord r) {
        if (r instanceof Data) {
            Data d = (Data) r;
            ByteBuffer own = ByteBuffer.allocate(d.dataLength()).put(d.data().duplicate()).flip();
            return new Data(d.inode(), d.logicalOffset(), d.blockCount(), d.startBlock(), own);
        }
        return r;
    }

    /** {@code b} with byte {@code at} xor {@code mask}. */
    public static byte[] flip(byte[] b, int at, int mask) {
        byte[] c = b.clone();
        c[at] ^= (byte) mask;
        return c;
    }

    public static byte[] cut(byte[] b, int length) {
        return Arrays.copyOf(b, length);
    }
}
