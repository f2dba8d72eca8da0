package dev.vde.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.Tag;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.CrashingDevice;
import dev.vde.testutil.CrashingDevice.Mode;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DESIGN section 6, item 5: in the reference design tree nodes were overwritten in place with no
 * journal (a crash in a split corrupted the tree), log entries larger than one block could not be
 * replayed, a full log deadlocked, and a checkpoint discarded the log before its data was home.
 */
class JournalTest {
    private static final int BS = 512;

    interface Command {
        void run(Image img) throws IOException;
    }

    private static void write(Image img, String name, long off, byte[] data) throws IOException {
        img.write(name, off, false, Channels.newChannel(new ByteArrayInputStream(data)));
    }

    /**
     * A 1 MiB image at 512-byte blocks (an 8-block WAL region) with a file of many extents, and
     * free space cut into 1-block holes (a filler file interleaved with it, then removed).
     */
    private static MemoryDevice fragmentedImage(int extents, Model model) throws IOException {
        MemoryDevice dev = new MemoryDevice(BS, 2048);
        Image.format(dev, 64);
        Random rnd = new Random(9);
        try (Image img = Image.open(dev, true)) {
            for (int i = 0; i < extents; i++) {
                byte[] b = new byte[BS];
                rnd.nextBytes(b);
                // Every other block: no two extents are logically adjacent, so none merge.
                write(img, "frag", 2L * i * BS, b);
                model.write("frag", 2L * i * BS, b, false);
                write(img, "filler", (long) i * BS, new byte[BS]);
            }
            img.remove("filler");
        }
        return dev;
    }

    /** Runs {@code c} on a copy of {@code start} and crashes at the first write or sync after {@code syncs} syncs. */
    private static CrashingDevice crashAfterSyncs(MemoryDevice start, int syncs, Command c) throws IOException {
        for (long n = 0;; n++) {
            CrashingDevice dev = new CrashingDevice(start.copy(), n);
            try (Image img = Image.open(dev, true)) {
                c.run(img);
                throw new AssertionError("the command finished before sync " + syncs);
            } catch (CrashingDevice.SimulatedCrash crash) {
                if (dev.syncs() >= syncs) {
                    return dev;
                }
            }
        }
    }

    private static WalCodec.Header header(MemoryDevice dev, Superblock sb) {
        byte[] b = new byte[BS];
        dev.read(sb.walStart, b, 0);
        return WalCodec.decodeHeader(b, sb.walStart);
    }

    @Test
    void crashDuringALeafSplitLeavesTheOldOrTheNewTree() throws Exception {
        Model before = new Model();
        // 19 extents fill one leaf at 512 bytes; the 20th insert splits it.
        MemoryDevice start = fragmentedImage(19, before);
        byte[] b = new byte[BS];
        new Random(1).nextBytes(b);
        Model after = before.copy();
        after.write("frag", 2L * 19 * BS, b, false);
        Command c = img -> write(img, "frag", 2L * 19 * BS, b);
        CrashingDevice counting = CrashingDevice.counting(start.copy());
        try (Image img = Image.open(counting, true)) {
            c.run(img);
            assertThat(img.extents("frag").tree().height()).as("the write split the root leaf").isEqualTo(2);
        }
        for (long n = 0; n <= counting.writePoints(); n++) {
            for (Mode mode : Mode.values()) {
                CrashingDevice dev = new CrashingDevice(start.copy(), n);
                try (Image img = Image.open(dev, true)) {
                    c.run(img);
                } catch (CrashingDevice.SimulatedCrash expected) {
                    // the power went
                }
                try (Image img = Image.open(dev.recover(mode, new Random(n)), true)) {
                    assertThat(before.matches(img) || after.matches(img))
                            .as("crash at write %d, %s", n, mode).isTrue();
                }
            }
        }
    }

    @Test
    void aTransactionLargerThanTheLogRegionSpillsAndReplays() throws Exception {
        Model before = new Model();
        MemoryDevice start = fragmentedImage(200, before);
        byte[] big = new byte[250 * BS];
        new Random(2).nextBytes(big);
        Model after = before.copy();
        after.write("big", 0, big, false);
        // 250 blocks land mostly in 1-block holes: 200 extents, a tree of a dozen new leaves, far
        // more dirty blocks than the 7 log slots of the region or the 19 entries of a descriptor.
        CrashingDevice dev = crashAfterSyncs(start, 2, img -> write(img, "big", 0, big));
        MemoryDevice crashed = dev.recover(Mode.LOSE_ALL, new Random(0));
        Superblock sb;
        try (Image img = Image.open(crashed.copy(), false)) {
            sb = img.superblock();
        }
        WalCodec.Header h = header(crashed, sb);
        assertThat(h.imageCount() + h.descriptorCount()).as("log blocks of the transaction")
                .isGreaterThan(sb.walBlocks - 1);
        assertThat(h.descriptorCount()).as("descriptors are chained").isGreaterThan(1);
        try (Image img = Image.open(crashed, true)) {
            assertThat(after.diff(img)).as("replayed after the commit point").isNull();
        }
    }

    @Test
    void aCommittedLogIsReplayedWhateverPartOfItsCheckpointLanded() throws Exception {
        Model before = new Model();
        MemoryDevice start = fragmentedImage(30, before);
        Model after = before.copy();
        after.files.remove("frag");
        for (int syncs = 2; syncs <= 3; syncs++) {
            for (Mode mode : Mode.values()) {
                CrashingDevice dev = crashAfterSyncs(start, syncs, img -> img.remove("frag"));
                try (Image img = Image.open(dev.recover(mode, new Random(syncs)), true)) {
                    assertThat(after.diff(img)).as("crash after sync %d, %s", syncs, mode).isNull();
                }
            }
        }
    }

    /**
     * The power goes in the sync after the header write (the commit point): the log before it is
     * durable, and only the first 256 bytes of the new header land on the old one.
     */
    private static MemoryDevice tornHeader(MemoryDevice start, long[] walStartOut) throws Exception {
        MemoryDevice clean = start.copy();
        try (Image img = Image.open(clean, true)) {
            img.remove("frag");
        }
        long walStart;
        try (Image img = Image.open(start.copy(), false)) {
            walStart = img.superblock().walStart;
        }
        byte[] newHeader = new byte[BS];
        clean.read(walStart, newHeader, 0);
        byte[] torn = new byte[BS];
        start.read(walStart, torn, 0);
        CrashingDevice dev = crashAfterSyncs(start, 1, img -> img.remove("frag"));
        assertThat(dev.pending()).as("only the header is unsynced").hasSize(1);
        assertThat(dev.pending().get(0).block()).isEqualTo(walStart);
        MemoryDevice crashed = dev.recover(Mode.LOSE_ALL, new Random(0));
        System.arraycopy(newHeader, 0, torn, 0, 256);
        crashed.write(walStart, torn, 0);
        assertThat(BlockTrailer.isValid(torn, Tag.MWAL)).isFalse();
        walStartOut[0] = walStart;
        return crashed;
    }

    @Test
    void aTornHeaderOverACompleteLogReplaysIt() throws Exception {
        Model before = new Model();
        MemoryDevice start = fragmentedImage(10, before);
        Model after = before.copy();
        after.files.remove("frag");
        MemoryDevice crashed = tornHeader(start, new long[1]);
        // The log was synced before the header: it verifies, so it is replayed (the "after"
        // outcome, which atomicity allows). A reader sees it too, without writing.
        try (Image img = Image.open(crashed.copy(), false)) {
            assertThat(after.diff(img)).isNull();
        }
        try (Image img = Image.open(crashed, true)) {
            assertThat(after.diff(img)).isNull();
        }
        assertThat(dev.vde.testutil.Fsck.check(crashed)).as("the replay rewrote a readable header").isNull();
    }

    @Test
    void aTornHeaderOverADamagedLogMeansTheTransactionDidNotCommit() throws Exception {
        Model before = new Model();
        MemoryDevice start = fragmentedImage(10, before);
        long[] walStart = new long[1];
        MemoryDevice crashed = tornHeader(start, walStart);
        byte[] image = new byte[BS];
        crashed.read(walStart[0] + 2, image, 0);
        image[7] ^= 1;
        crashed.write(walStart[0] + 2, image, 0);
        try (Image img = Image.open(crashed, true)) {
            assertThat(before.diff(img)).isNull();
        }
    }

    @Test
    void aReadOnlyOpenSeesACommittedLogWithoutWriting() throws Exception {
        Model before = new Model();
        MemoryDevice start = fragmentedImage(30, before);
        Model after = before.copy();
        after.files.remove("frag");
        MemoryDevice crashed = crashAfterSyncs(start, 2, img -> img.remove("frag")).recover(Mode.LOSE_ALL,
                new Random(0));
        MemoryDevice untouched = crashed.copy();
        try (Image img = Image.open(crashed, false)) {
            assertThat(after.diff(img)).isNull();
        }
        for (long b = 0; b < crashed.blockCount(); b++) {
            byte[] x = new byte[BS];
            byte[] y = new byte[BS];
            crashed.read(b, x, 0);
            untouched.read(b, y, 0);
            assertThat(x).as("block %d unchanged by a read-only open", b).isEqualTo(y);
        }
    }

    @Test
    void aDamagedImageInACommittedLogIsReportedNotSkipped() throws Exception {
        Model before = new Model();
        MemoryDevice start = fragmentedImage(30, before);
        MemoryDevice crashed = crashAfterSyncs(start, 2, img -> img.remove("frag")).recover(Mode.LOSE_ALL,
                new Random(0));
        Superblock sb;
        try (Image img = Image.open(crashed.copy(), false)) {
            sb = img.superblock();
        }
        // Damage the first logged image (the slot after the first descriptor).
        long slot = header(crashed, sb).firstDescriptor() + 1;
        byte[] b = new byte[BS];
        crashed.read(slot, b, 0);
        b[100] ^= 0x40;
        crashed.write(slot, b, 0);
        assertThatThrownBy(() -> Image.open(crashed, true)).isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("fails its checksum");
    }
}
