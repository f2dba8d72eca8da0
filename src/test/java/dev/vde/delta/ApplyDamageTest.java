package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.cli.ExitCodes;
import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.CrashingDevice;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A delta cut at every byte offset, and with every byte flipped in turn: apply fails with status
 * 7 before it writes a single block (the device refuses any write), so the target is
 * byte-for-byte unchanged; the verifier ({@code inspect}'s) fails on every copy too; and the
 * intact delta still applies afterwards.
 */
class ApplyDamageTest {
    private static final int BS = 512;

    @Test
    void everyCutAndEveryFlippedByteIsRefusedBeforeAnyWrite() throws Exception {
        MemoryDevice source = device();
        MemoryDevice replica = device();
        byte[] delta;
        try (Image src = Image.open(source, true); Image rep = Image.open(replica, true)) {
            write(src, "keep", 0, 3 * BS + 10);
            write(src, "gone", 0, BS);
            write(src, "moved", 0, 2 * BS);
            write(src, "sparse", 0, 6 * BS);
            src.createSnapshot("mon");
            rep.apply(DeltaSource.of(ReplicationModelTest.delta(src, null, "mon"), "full"), false, false);
            src.remove("gone");
            src.rename("moved", "renamed", false);
            write(src, "keep", BS + 7, 20);
            src.truncate("sparse", 2 * BS + 1);
            src.truncate("sparse", 5 * BS);
            write(src, "new", 0, 40);
            src.createSnapshot("tue");
            delta = ReplicationModelTest.delta(src, "mon", "tue");
        }
        List<RecordType> kinds = new ArrayList<>();
        for (DeltaRecord r : DeltaSamples.readAll(delta)) {
            kinds.add(r.type());
        }
        assertThat(kinds).as("the delta holds every kind of record").contains(RecordType.values());
        String before = sha256(replica);

        // Any write to the replica's device would throw: the failed applies must not write at all.
        CrashingDevice guard = new CrashingDevice(replica, 0);
        int cases = 0;
        try (Image rep = Image.open(guard, true)) {
            for (int len = 0; len < delta.length; len++) {
                refused(rep, DeltaSource.of(DeltaSamples.cut(delta, len), "cut"), "cut at " + len);
                cases++;
            }
            for (int at = 0; at < delta.length; at++) {
                refused(rep, DeltaSource.of(DeltaSamples.flip(delta, at, 0xff), "flip"), "byte " + at + " flipped");
                cases++;
            }
        }
        System.out.printf("ApplyDamageTest: %d damaged copies of a %d-byte delta refused without a write%n", cases,
                delta.length);
        assertThat(sha256(replica)).as("the replica's bytes").isEqualTo(before);

        try (Image rep = Image.open(replica, true)) {
            rep.apply(DeltaSource.of(delta, "intact"), false, false);
            assertThat(rep.snapshot("tue").digest()).isEqualTo(new DeltaReader(Channels.newChannel(new ByteArrayInputStream(delta)), null).header().snapshot().digest());
        }
    }

    private static void refused(Image rep, DeltaSource d, String what) throws IOException {
        Throwable thrown = null;
        try {
            rep.apply(d, false, false);
        } catch (RuntimeException e) {
            thrown = e;
        }
        assertThat(thrown).as("%s: apply must fail", what).isNotNull();
        assertThat(ExitCodes.classify(thrown).status()).as("%s: status (%s)", what, thrown).isEqualTo(ExitCodes.CORRUPT);
        Throwable verify = null;
        try {
            DeltaReader.verifyAll(d.open(), d.name());
        } catch (RuntimeException e) {
            verify = e;
        }
        assertThat(verify).as("%s: the verifier must fail", what).isNotNull();
        assertThat(ExitCodes.classify(verify).status()).as("%s: verifier status", what).isEqualTo(ExitCodes.CORRUPT);
    }

    private static MemoryDevice device() throws IOException {
        MemoryDevice d = new MemoryDevice(BS, 4096);
        Image.format(d, 0);
        return d;
    }

    private static void write(Image img, String name, long off, int n) throws IOException {
        byte[] b = new byte[n];
        new java.util.Random(name.hashCode() + off).nextBytes(b);
        img.write(name, off, false, Channels.newChannel(new ByteArrayInputStream(b)));
    }

    private static String sha256(MemoryDevice d) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[d.blockSize()];
        for (long i = 0; i < d.blockCount(); i++) {
            d.read(i, block, 0);
            md.update(block);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
