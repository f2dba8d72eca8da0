package dev.vde.testdata;

import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaRecord;
import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.delta.DeltaSamples;
import dev.vde.format.LE;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.openhft.hashing.LongHashFunction;

/**
 * Writes the format-v1 deltas of {@code testdata/deltas/}: three clean deltas made by
 * {@link dev.vde.delta.DeltaWriter} from fixed values (no clock, no random uuid: the bytes are the
 * same on every run), damaged copies of them, and {@code expected.tsv}, what {@code vde inspect}
 * must say of each.
 *
 * <p>Run: {@code mvn -B -q test-compile && java -cp target/classes:target/test-classes:$(cat
 * target/cp.txt) dev.vde.testdata.DeltaFixtureGenerator testdata/deltas} (see testdata/README.md).
 */
public final class DeltaFixtureGenerator {
    static final int BS = 512;
    static final String HEADER = "delta\tstatus\trecords\textents\tdataBytes\tstreamBytes\terror\tmessage\thow";

    /** One row of expected.tsv: what {@code vde inspect DELTA} must report. */
    record Expect(String delta, int status, long records, long extents, long dataBytes, long streamBytes,
            String error, String message, String how) {
        String row() {
            return String.join("\t", delta, Integer.toString(status), Long.toString(records), Long.toString(extents),
                    Long.toString(dataBytes), Long.toString(streamBytes), error, message, how);
        }

        static Expect parse(String line) {
            String[] f = line.split("\t", -1);
            return new Expect(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), f[6], f[7], f[8]);
        }
    }

    /** A clean delta: its header and records (END excluded), as the writer is given them. */
    record Clean(DeltaHeader header, List<DeltaRecord> records, String how) {
        DeltaSamples.Stream write() {
            return DeltaSamples.write(header, records);
        }
    }

    private DeltaFixtureGenerator() {
    }

    /** The clean deltas by file name. */
    static Map<String, Clean> clean() {
        Map<String, Clean> m = new LinkedHashMap<>();
        m.put("full.rdlt", new Clean(new DeltaHeader(BS, DeltaSamples.SOURCE, DeltaSamples.snapshot("monday", 12), null, 3),
                List.of(
                        new File(1, true, "readme.txt"),
                        new Size(1, 700),
                        new Data(1, 0, 2, 91, text("readme line\n", 700, 2)),
                        new File(2, true, "sparse.img"),
                        new Size(2, 1 << 20),
                        new Data(2, 0, 1, 93, DeltaSamples.data(BS, 1, 2)),
                        new Data(2, 64 * BS, 2, 94, DeltaSamples.data(BS, 2, 3)),
                        new File(3, true, "empty")),
                "full delta to snapshot monday (txid 12): readme.txt (700 B, inode 1), sparse.img (1 MiB with "
                        + "data in blocks 0 and 64-65, inode 2), empty (inode 3)"));
        m.put("incremental.rdlt", new Clean(DeltaSamples.incremental(BS, 2),
                List.of(
                        new Delete(3, "empty"),
                        new File(1, false, "readme.txt"),
                        new Move(1, "README"),
                        new Size(1, 900),
                        new Data(1, BS, 1, 120, text("changed line\n", 900 - BS, 1)),
                        new File(2, false, "sparse.img"),
                        new Hole(2, 64 * BS, 2 * BS),
                        new File(4, true, "new.txt"),
                        new Size(4, 5),
                        new Data(4, 0, 1, 121, text("hello", 5, 1))),
                "monday (txid 12) to tuesday (txid 40): readme.txt renamed README, block 1 rewritten, size 900; "
                        + "sparse.img blocks 64-65 punched; empty deleted; new.txt (5 B, inode 4) created"));
        m.put("empty.rdlt", new Clean(new DeltaHeader(BS, DeltaSamples.SOURCE, DeltaSamples.snapshot("wednesday", 41),
                DeltaSamples.snapshot("tuesday", 40), 0), List.of(),
                "tuesday (txid 40) to wednesday (txid 41), nothing changed: header and end record only"));
        return m;
    }

    /** {@code blocks} blocks holding {@code length} bytes of {@code line} repeated, then zeros. */
    private static ByteBuffer text(String line, int length, int blocks) {
        byte[] b = new byte[blocks * BS];
        byte[] l = line.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            b[i] = l[i % l.length];
        }
        return ByteBuffer.wrap(b);
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "testdata/deltas");
        Files.createDirectories(out);
        List<Expect> rows = new ArrayList<>();
        Map<String, DeltaSamples.Stream> streams = new LinkedHashMap<>();
        for (Map.Entry<String, Clean> e : clean().entrySet()) {
            DeltaSamples.Stream s = e.getValue().write();
            streams.put(e.getKey(), s);
            Files.write(out.resolve(e.getKey()), s.bytes());
            long extents = e.getValue().records().stream().filter(r -> r instanceof Data).count();
            long data = e.getValue().records().stream().filter(r -> r instanceof Data)
                    .mapToLong(r -> ((Data) r).dataLength()).sum();
            rows.add(new Expect(e.getKey(), 0, s.starts().length - 1, extents, data, s.bytes().length, "-", "-",
                    e.getValue().how()));
        }
        DeltaSamples.Stream full = streams.get("full.rdlt");
        DeltaSamples.Stream incr = streams.get("incremental.rdlt");
        DeltaSamples.Stream empty = streams.get("empty.rdlt");

        int cut = (int) full.starts()[3] + 60 + 700;
        damaged(out, rows, "full-truncated.rdlt", Arrays.copyOf(full.bytes(), cut), 3, full.starts()[3],
                "truncated", "full.rdlt cut to " + cut + " bytes, inside the data of record 3 (DATA)");

        int at = (int) incr.starts()[5] + 60 + 100;
        damaged(out, rows, "incremental-flipped.rdlt", DeltaSamples.flip(incr.bytes(), at, 0x04), 5, incr.starts()[5],
                "data checksum mismatch", "incremental.rdlt with bit 2 of byte " + at + " flipped, in the data of record 5 (DATA)");

        byte[] swapped = swap(incr, 4, 5);
        damaged(out, rows, "incremental-reordered.rdlt", swapped, 4, incr.starts()[4], "checksum mismatch",
                "incremental.rdlt with records 4 (SIZE) and 5 (DATA) swapped");

        byte[] dropped = drop(incr, 7);
        damaged(out, rows, "incremental-dropped.rdlt", dropped, 7, incr.starts()[7], "checksum mismatch",
                "incremental.rdlt without record 7 (HOLE)");

        byte[] v2 = empty.bytes().clone();
        LE.u16(v2, 4, 2);
        LE.i64(v2, 704, LongHashFunction.xx().hashBytes(v2, 0, 704));
        damaged(out, rows, "empty-version2.rdlt", v2, 0, 0, "version 2 is not supported",
                "empty.rdlt with version 2, header checksum recomputed");

        byte[] magic = empty.bytes().clone();
        magic[3] = 'X';
        damaged(out, rows, "empty-magic.rdlt", magic, 0, 0, "not a vde delta", "empty.rdlt with magic RDLX");

        byte[] trailing = Arrays.copyOf(empty.bytes(), empty.bytes().length + 1);
        trailing[trailing.length - 1] = '\n';
        damaged(out, rows, "empty-trailing.rdlt", trailing, 2, empty.bytes().length, "bytes follow the end record",
                "empty.rdlt with a newline after it");

        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        rows.forEach(r -> lines.add(r.row()));
        Files.write(out.resolve("expected.tsv"), lines);
    }

    private static void damaged(Path out, List<Expect> rows, String name, byte[] b, long record, long position,
            String message, String how) throws IOException {
        Files.write(out.resolve(name), b);
        rows.add(new Expect(name, 7, 0, 0, 0, b.length, record + "@" + position, message, how));
    }

    private static byte[] swap(DeltaSamples.Stream s, int a, int b) {
        List<byte[]> parts = parts(s);
        byte[] x = parts.get(a);
        parts.set(a, parts.get(b));
        parts.set(b, x);
        return join(parts);
    }

    private static byte[] drop(DeltaSamples.Stream s, int k) {
        List<byte[]> parts = parts(s);
        parts.remove(k);
        return join(parts);
    }

    private static List<byte[]> parts(DeltaSamples.Stream s) {
        List<byte[]> parts = new ArrayList<>();
        for (int k = 0; k + 1 < s.starts().length; k++) {
            parts.add(Arrays.copyOfRange(s.bytes(), (int) s.starts()[k], (int) s.starts()[k + 1]));
        }
        return parts;
    }

    private static byte[] join(List<byte[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        byte[] b = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, b, at, p.length);
            at += p.length;
        }
        return b;
    }

}
