package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.End;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.format.LE;
import dev.vde.format.UnsupportedFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Random input for {@link DeltaReader}: random byte strings, random mutations of a valid delta, and
 * streams of random records sealed with valid checksums (so that the reader's field checks, not
 * only its checksums, meet them). Whatever the input, the reader ends within seconds, allocates
 * less than {@link #BOUND} bytes, and throws nothing but {@link CorruptDeltaException} and
 * {@link UnsupportedFormatException}; a stream it accepts, the writer writes again byte for byte.
 * jqwik prints the seed of each property after it runs; the same seed gives the same inputs.
 */
class DeltaFuzzProperties {
    /** Fixed, so that every build runs the same inputs; change it to explore. */
    static final String SEED = "20261123";
    /** Most bytes one read of a stream may allocate: the data buffer, the read buffer and change. */
    static final long BOUND = DeltaFormat.MAX_DATA + (512 << 10);

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Loads and compiles the reader's classes, so that the allocation bound measures reading only. */
    @BeforeContainer
    static void warmUp() {
        byte[] valid = DeltaSamples.small().bytes();
        for (int i = 0; i < 200; i++) {
            read(valid);
            read(DeltaSamples.cut(valid, i * 7));
            read(DeltaSamples.flip(valid, i * 7, 0x10));
        }
    }

    @Property(tries = 1500, seed = SEED)
    void randomBytesAreRejected(@ForAll("randomStreams") byte[] b) {
        Outcome o = read(b);
        assertThat(o.failure).as("accepted random bytes").isNotNull();
    }

    @Provide
    Arbitrary<byte[]> randomStreams() {
        Arbitrary<byte[]> any = Arbitraries.bytes().array(byte[].class).ofMaxSize(3000);
        // past the magic and the version, so that the rest of the header is what is random
        Arbitrary<byte[]> headed = any.map(tail -> {
            byte[] b = Arrays.copyOf(new byte[] {'R', 'D', 'L', 'T', 1, 0}, 6 + tail.length);
            System.arraycopy(tail, 0, b, 6, tail.length);
            return b;
        });
        // a valid header, then random bytes
        byte[] header = Arrays.copyOf(DeltaSamples.small().bytes(), DeltaFormat.HEADER_SIZE);
        Arbitrary<byte[]> valid = any.map(tail -> {
            byte[] b = Arrays.copyOf(header, header.length + tail.length);
            System.arraycopy(tail, 0, b, header.length, tail.length);
            return b;
        });
        return Arbitraries.oneOf(any, headed, valid);
    }

    @Property(tries = 3000, seed = SEED)
    void mutationsOfAValidDeltaAreRejected(@ForAll long seed) {
        Random rnd = new Random(seed);
        byte[] original = DeltaSamples.small().bytes();
        byte[] b = original;
        int mutations = 1 + rnd.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            b = mutate(b, rnd);
        }
        Outcome o = read(b);
        if (o.failure == null) {
            assertThat(b).as("accepted a changed stream").isEqualTo(original);
        }
    }

    private static byte[] mutate(byte[] b, Random rnd) {
        int n = b.length;
        int at = n == 0 ? 0 : rnd.nextInt(n);
        switch (rnd.nextInt(7)) {
            case 0: // flip one bit
                return n == 0 ? b : DeltaSamples.flip(b, at, 1 << rnd.nextInt(8));
            case 1: { // set a byte
                byte[] c = b.clone();
                if (n > 0) {
                    c[at] = (byte) rnd.nextInt(256);
                }
                return c;
            }
            case 2: // cut
                return Arrays.copyOf(b, at);
            case 3: { // insert random bytes
                byte[] ins = new byte[1 + rnd.nextInt(64)];
                rnd.nextBytes(ins);
                return splice(b, at, at, ins);
            }
            case 4: { // delete a range
                int to = Math.min(n, at + 1 + rnd.nextInt(64));
                return splice(b, at, to, new byte[0]);
            }
            case 5: { // duplicate a range
                int to = Math.min(n, at + 1 + rnd.nextInt(128));
                return splice(b, to, to, Arrays.copyOfRange(b, at, to));
            }
            default: { // swap two ranges of one length
                int len = 1 + rnd.nextInt(48);
                if (n < 2 * len) {
                    return b;
                }
                int x = rnd.nextInt(n - len + 1);
                int y = rnd.nextInt(n - len + 1);
                byte[] c = b.clone();
                System.arraycopy(b, x, c, y, len);
                System.arraycopy(b, y, c, x, len);
                return c;
            }
        }
    }

    private static byte[] splice(byte[] b, int from, int to, byte[] with) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, from);
        out.writeBytes(with);
        out.write(b, to, b.length - to);
        return out.toByteArray();
    }

    /**
     * Random records, some with a changed byte, sealed with valid checksums (and valid data hashes):
     * the reader rejects what breaks a rule, and what it accepts the writer writes again exactly.
     */
    @Property(tries = 2000, seed = SEED)
    void sealedRandomRecordsAreRejectedOrRoundTrip(@ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        int bs = 512 << rnd.nextInt(8);
        List<DeltaRecord> records = new ArrayList<>();
        int count = rnd.nextInt(12);
        for (int i = 0; i < count; i++) {
            records.add(randomRecord(rnd, bs));
        }
        int extents = (int) records.stream().filter(r -> r instanceof Data).count();
        DeltaHeader header = rnd.nextBoolean() ? DeltaSamples.full(bs, extents) : DeltaSamples.incremental(bs, extents);
        byte[] valid = DeltaSamples.write(header, records).bytes();
        byte[] b = sealDamaged(valid, rnd);
        Outcome o = read(b);
        Statistics.label("outcome").collect(o.failure == null ? "accepted"
                : o.failure.getMessage().contains("checksum mismatch: the record") ? "checksum" : "rule");
        Statistics.label("outcome").coverage(c -> {
            c.check("accepted").percentage(p -> p > 20);
            c.check("rule").percentage(p -> p > 20);
            c.check("checksum").count(n -> n == 0);
        });
        if (o.failure == null) {
            byte[] again = DeltaSamples.write(o.header, o.records.subList(0, o.records.size() - 1)).bytes();
            assertThat(again).as("the writer writes an accepted stream again").isEqualTo(b);
        }
    }

    private static DeltaRecord randomRecord(Random rnd, int bs) {
        long inode = 1 + rnd.nextInt(1000);
        long blocks = DeltaFormat.MAX_FILE_SIZE / bs;
        switch (rnd.nextInt(6)) {
            case 0:
                return new File(inode, rnd.nextBoolean(), name(rnd));
            case 1:
                return new Move(inode, name(rnd));
            case 2:
                return new Delete(inode, name(rnd));
            case 3:
                return new Size(inode, rnd.nextBoolean() ? rnd.nextInt(1 << 20) : Math.floorMod(rnd.nextLong(),
                        DeltaFormat.MAX_FILE_SIZE + 1));
            case 4: {
                long at = Math.floorMod(rnd.nextLong(), blocks - 8);
                return new Hole(inode, at * bs, (1 + rnd.nextInt(8)) * (long) bs);
            }
            default: {
                int n = 1 + rnd.nextInt(Math.min(4, DeltaFormat.MAX_DATA / bs));
                return new Data(inode, Math.floorMod(rnd.nextLong(), blocks - 8) * bs, n, rnd.nextLong(),
                        DeltaSamples.data(bs, n, rnd.nextLong()));
            }
        }
    }

    private static String name(Random rnd) {
        String[] parts = {"a", "é", "notes.txt", "日本", "x".repeat(80), " ", "\u00a0"};
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            sb.append(parts[rnd.nextInt(parts.length)]);
        }
        return sb.toString();
    }

    /**
     * {@code valid} with, at random, a few bytes of the header or of records' frames and bodies
     * changed, and every checksum and data hash made valid again for the changed bytes.
     */
    private static byte[] sealDamaged(byte[] valid, Random rnd) {
        byte[] b = valid.clone();
        int changes = rnd.nextInt(3);
        // record boundaries of the valid stream
        List<int[]> records = new ArrayList<>(); // {offset, framed length, data length}
        for (int at = DeltaFormat.HEADER_SIZE; at < b.length; ) {
            int framed = 8 + LE.i32(b, at + 4);
            int data = LE.be32(b, at) == RecordType.DATA.value() ? LE.i32(b, at + 8 + 32) : 0;
            records.add(new int[] {at, framed, data});
            at += framed + 8 + data;
        }
        for (int i = 0; i < changes; i++) {
            int which = rnd.nextInt(records.size() + 1);
            if (which == records.size()) {
                // a header byte other than magic and version
                int at = 6 + rnd.nextInt(HeaderCodec.CHECKSUM_AT - 6);
                b[at] = rnd.nextInt(4) == 0 ? 0 : (byte) rnd.nextInt(256);
            } else {
                int[] r = records.get(which);
                int at = r[0] + 8 + rnd.nextInt(r[1] - 8); // a body byte: the frame's length stays
                b[at] = rnd.nextInt(4) == 0 ? 0 : (byte) rnd.nextInt(256);
            }
        }
        LE.i64(b, HeaderCodec.CHECKSUM_AT, DeltaFormat.xx(b, 0, HeaderCodec.CHECKSUM_AT));
        long chain = LE.i64(b, HeaderCodec.CHECKSUM_AT);
        for (int k = 0; k < records.size(); k++) {
            int[] r = records.get(k);
            if (r[2] > 0) {
                LE.i64(b, r[0] + 8 + RecordCodec.DATA_HASH_AT, DeltaFormat.xx(b, r[0] + r[1] + 8, r[2]));
            }
            long c = DeltaFormat.checksum(DeltaFormat.seed(chain, k + 1, r[0]), b, r[0], r[1]);
            LE.i64(b, r[0] + r[1], c);
            chain = DeltaFormat.chain(chain, c);
        }
        return b;
    }

    /** What reading a stream gave: its header and records, or the documented exception. */
    record Outcome(DeltaHeader header, List<DeltaRecord> records, RuntimeException failure) {
    }

    /**
     * Reads {@code b} whole with a time limit, asserting the allocation bound and that only the
     * documented exceptions come out.
     */
    static Outcome read(byte[] b) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            long before = MX.getCurrentThreadAllocatedBytes();
            Outcome o;
            DeltaHeader header = null;
            List<DeltaRecord> records = new ArrayList<>();
            try {
                DeltaReader r = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(b)), "fuzz");
                header = r.header();
                for (DeltaRecord rec = r.next(); rec != null; rec = r.next()) {
                    records.add(rec instanceof Data ? DeltaSamples.copy(rec) : rec);
                }
                o = new Outcome(header, records, null);
            } catch (CorruptDeltaException | UnsupportedFormatException e) {
                o = new Outcome(header, records, e);
            }
            long allocated = MX.getCurrentThreadAllocatedBytes() - before;
            long copies = records.stream().filter(r -> r instanceof Data).mapToLong(r -> ((Data) r).dataLength() + 64L).sum();
            assertThat(allocated - copies).as("bytes allocated").isLessThan(BOUND);
            if (o.failure != null) {
                assertThat(o.failure.getMessage()).matches("fuzz: record \\d+ (\\([A-Za-z]+\\) )?at byte \\d+: .+");
            }
            for (int i = 0; i < records.size(); i++) {
                assertThat(records.get(i) instanceof End).as("END is the last record").isEqualTo(i == records.size() - 1
                        && o.failure == null);
            }
            return o;
        });
    }

}
