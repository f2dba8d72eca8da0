package dev.vde.delta;

import static dev.vde.delta.DeltaSamples.cut;
import static dev.vde.delta.DeltaSamples.flip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vde.cli.Io;
import dev.vde.cli.Main;
import dev.vde.format.LE;
import dev.vde.format.UnsupportedFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A small delta with every kind of record, cut at every byte offset and with every byte flipped
 * (xor 0x01 and 0xff): the reader and {@code vde inspect -} reject each one, naming exactly the
 * record that holds the damaged byte (or, for a cut, the record the stream ends in) and the offset
 * at which it starts; and records moved, dropped, doubled or taken from another stream.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeltaDamageTest {
    private static final Pattern ERROR = Pattern.compile(
            "vde: error: (?:corrupt delta|unsupported): stdin: record (\\d+)(?: \\([A-Z]+\\)| \\(header\\))? at byte (\\d+): .+\n");

    private final DeltaSamples.Stream small = DeltaSamples.small();

    @Test
    void theSmallDeltaIsValid() throws IOException {
        assertThat(small.bytes()).hasSize(1578);
        assertThat(DeltaSamples.readAll(small.bytes())).hasSize(9);
        Result r = inspect(small.bytes());
        assertThat(r.status).isZero();
        assertThat(r.err).isEmpty();
    }

    @Test
    void everyCutIsDetectedAtTheRecordItFallsIn() {
        byte[] b = small.bytes();
        for (int length = 0; length < b.length; length++) {
            int k = small.recordAt(length);
            expectFailure(cut(b, length), k, "cut at " + length, "truncated");
        }
    }

    @Test
    void everyFlippedByteIsDetectedInItsRecord() {
        byte[] b = small.bytes();
        for (int mask : new int[] {0x01, 0xff}) {
            for (int at = 0; at < b.length; at++) {
                expectFailure(flip(b, at, mask), small.recordAt(at), "byte " + at + " xor " + mask, null);
            }
        }
    }

    /** A txid of 0 would pass into the snapshot list, which holds none below 1: the header is refused. */
    @Test
    void aSnapshotOfTxidZeroIsRejected() {
        byte[] b = small.bytes().clone();
        LE.i64(b, 14, 0); // untilTxId
        LE.i64(b, 48 + 16, 0); // the snapshot identity's txid
        LE.i64(b, 704, DeltaFormat.xx(b, 0, 704));
        expectFailure(b, 0, "snapshot txid 0", "txid 0 is below 1");
    }

    @Test
    void movedDroppedDoubledAndForeignRecordsAreDetected() {
        // records 4 and 6 are both SIZE records of 32 bytes: swapping them keeps every length
        List<byte[]> records = split(small);
        assertThat(records.get(4)).hasSize(32);
        assertThat(records.get(6)).hasSize(32);
        List<byte[]> swapped = new ArrayList<>(records);
        swapped.set(4, records.get(6));
        swapped.set(6, records.get(4));
        expectFailure(join(swapped), 4, "records 4 and 6 swapped", "checksum");
        List<byte[]> dropped = new ArrayList<>(records);
        dropped.remove(6);
        expectFailure(join(dropped), 6, "record 6 dropped", "checksum");
        List<byte[]> doubled = new ArrayList<>(records);
        doubled.add(4, records.get(4));
        expectFailure(join(doubled), 5, "record 4 doubled", "checksum");
        List<byte[]> noEnd = new ArrayList<>(records.subList(0, 9));
        expectFailure(join(noEnd), 9, "end record dropped", "without an end record");
        // the same records after the header of another delta (same layout, other snapshot)
        DeltaSamples.Stream other = DeltaSamples.write(
                new DeltaHeader(512, DeltaSamples.SOURCE, DeltaSamples.snapshot("other", 40),
                        DeltaSamples.snapshot("monday", 12), 1), DeltaSamples.everyKind(512));
        List<byte[]> foreign = new ArrayList<>(records);
        foreign.set(0, split(other).get(0));
        expectFailure(join(foreign), 1, "header of another delta", "checksum");
    }

    @Test
    void bytesAfterTheEndRecordAreDetected() {
        byte[] b = Arrays.copyOf(small.bytes(), small.bytes().length + 1);
        expectFailure(b, 10, "one byte after the end", "follow the end record");
    }

    @Test
    void anotherVersionIsUnsupportedAndAnotherMagicIsNotADelta() throws IOException {
        byte[] v2 = small.bytes().clone();
        LE.u16(v2, 4, 2);
        LE.i64(v2, 704, DeltaFormat.xx(v2, 0, 704)); // a valid version-2 header, as far as v1 can tell
        Throwable t = catchThrowable(() -> DeltaSamples.readAll(v2));
        assertThat(t).isInstanceOf(UnsupportedFormatException.class)
                .hasMessage("test: record 0 (header) at byte 0: delta format version 2 is not supported "
                        + "(this vde reads version 1)");
        Result r = inspect(v2);
        assertThat(r.status).isEqualTo(7);
        assertThat(r.err).startsWith("vde: error: unsupported: stdin: record 0 (header) at byte 0: delta format version 2");

        byte[] magic = small.bytes().clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> DeltaSamples.readAll(magic)).isInstanceOf(CorruptDeltaException.class)
                .hasMessageContaining("not a vde delta");
        r = inspect(magic);
        assertThat(r.status).isEqualTo(7);
        assertThat(r.err).isEqualTo("vde: error: corrupt delta: stdin: record 0 (header) at byte 0: "
                + "not a vde delta: the stream does not start with \"RDLT\"\n");
        assertThat(inspect("hello world\n".getBytes(StandardCharsets.UTF_8)).status).isEqualTo(7);
    }

    @Test
    void aDataRecordBeyondTheHeadersCountIsDetected() {
        // a header announcing 0 extents, then a DATA record with a valid checksum
        DeltaSamples.Stream s = DeltaSamples.write(DeltaSamples.incremental(512, 1), DeltaSamples.everyKind(512));
        byte[] b = s.bytes().clone();
        LE.i32(b, 22, 0);
        LE.i64(b, 704, DeltaFormat.xx(b, 0, 704));
        // re-seal every record after the header with the new chain
        byte[] sealed = reseal(b, split(s));
        expectFailure(sealed, 7, "DATA beyond extentCount", "more DATA records");
        // and a SIZE record with a valid checksum but a negative size
        List<byte[]> parts = split(s);
        LE.i64(parts.get(4), 16, -5);
        expectFailure(reseal(join(parts), parts), 4, "negative size", "size -5");
    }

    /** Asserts that the reader and {@code vde inspect -} reject {@code b} at record {@code k}. */
    private void expectFailure(byte[] b, int k, String what, String detail) {
        long offset = k < small.starts().length - 1 ? small.starts()[k] : small.bytes().length;
        if (k == 0) {
            offset = 0;
        }
        Throwable t = catchThrowable(() -> DeltaSamples.readAll(b));
        assertThat(t).as(what).isInstanceOfAny(CorruptDeltaException.class, UnsupportedFormatException.class);
        assertThat(t.getMessage()).as(what).startsWith("test: record " + k + " ").contains(" at byte " + offset + ": ");
        if (detail != null) {
            assertThat(t.getMessage()).as(what).contains(detail);
        }
        if (t instanceof CorruptDeltaException) {
            assertThat(((CorruptDeltaException) t).record()).as(what).isEqualTo(k);
            assertThat(((CorruptDeltaException) t).offset()).as(what).isEqualTo(offset);
        }
        Result r = inspect(b);
        assertThat(r.status).as("%s: %s", what, r.err).isEqualTo(7);
        Matcher m = ERROR.matcher(r.err);
        assertThat(m.matches()).as("%s: stderr %s", what, r.err).isTrue();
        assertThat(Long.parseLong(m.group(1))).as(what).isEqualTo(k);
        assertThat(Long.parseLong(m.group(2))).as(what).isEqualTo(offset);
        // the records printed before the error are the verified ones: never the damaged record
        assertThat(r.out).as(what).doesNotContainPattern("(?m)^\\s+" + k + "\\s+" + offset + "\\s");
    }

    record Result(int status, String out, String err) {
    }

    static Result inspect(byte[] stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(stdin), out, err);
        int status = Main.commandLine(io).execute("inspect", "-");
        io.out().flush();
        io.err().flush();
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The stream cut into its records (0: the header; a DATA record with its data). */
    static List<byte[]> split(DeltaSamples.Stream s) {
        List<byte[]> parts = new ArrayList<>();
        for (int k = 0; k + 1 < s.starts().length; k++) {
            parts.add(Arrays.copyOfRange(s.bytes(), (int) s.starts()[k], (int) s.starts()[k + 1]));
        }
        return parts;
    }

    static byte[] join(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /**
     * Recomputes every checksum after the header, as a writer that meant these bytes would have
     * ({@code layout}: the records, for their lengths).
     */
    static byte[] reseal(byte[] stream, List<byte[]> layout) {
        byte[] b = stream.clone();
        long chain = LE.i64(b, 704);
        int at = 712;
        for (int k = 1; k < layout.size(); k++) {
            int framed = 8 + LE.i32(b, at + 4);
            if (k == layout.size() - 1) {
                LE.i64(b, at + 8 + 24, chain); // the END record's stream checksum: the chain before it
            }
            long c = DeltaFormat.checksum(DeltaFormat.seed(chain, k, at), b, at, framed);
            LE.i64(b, at + framed, c);
            chain = DeltaFormat.chain(chain, c);
            at += layout.get(k).length;
        }
        return b;
    }
}
