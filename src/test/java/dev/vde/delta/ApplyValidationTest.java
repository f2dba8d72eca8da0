package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.cli.ExitCodes;
import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.image.DeltaExport;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.FileDigest;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.CrashingDevice;
import dev.vde.testutil.Fsck;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deltas whose checksums hold but whose records do not make a change of their base (written by
 * a broken or hostile writer): apply refuses each in its first reading, naming the record, and
 * writes nothing; one that leads to another digest than its header's is not committed.
 */
class ApplyValidationTest {
    private static final int BS = 512;

    private MemoryDevice source;
    private MemoryDevice replica;
    private SnapshotId mon;
    private final Model base = new Model();

    /** Source: a (inode 1, 3 blocks + 10), b (2, 1 block), c (3, 2 blocks); snapshot mon on the replica. */
    @BeforeEach
    void replicaAtMon() throws IOException {
        source = device();
        replica = device();
        try (Image src = Image.open(source, true); Image rep = Image.open(replica, true)) {
            write(src, "a", 3 * BS + 10);
            write(src, "b", BS);
            write(src, "c", 2 * BS);
            src.createSnapshot("mon");
            rep.apply(DeltaSource.of(ReplicationModelTest.delta(src, null, "mon"), "full"), false, false);
            mon = DeltaExport.id(src.snapshot("mon"));
            for (String n : List.of("a", "b", "c")) {
                base.files.put(n, Model.read(src, n));
            }
        }
    }

    @Test
    void aDeletionAfterAFileSectionIsRefused() throws Exception {
        refused(List.of(new File(1, false, "a"), new Size(1, 5), new Delete(2, "b")), 3, "deletions come first");
    }

    @Test
    void aFileTheBaseDoesNotHoldByThatNameIsRefused() throws Exception {
        refused(List.of(new File(1, false, "not-a")), 1, "the base has no file 'not-a' with inode 1");
        refused(List.of(new File(9, false, "z")), 1, "the base has no file 'z' with inode 9");
        refused(List.of(new Delete(3, "b")), 1, "the base has no file 'b' with inode 3");
    }

    @Test
    void aNewFileOnAnInodeTheBaseHoldsIsRefused() throws Exception {
        refused(List.of(new File(2, true, "x")), 1, "which the base's file 'b' holds");
    }

    @Test
    void filesOutOfOrderOrTwiceAreRefused() throws Exception {
        refused(List.of(new File(2, false, "b"), new File(1, false, "a")), 2, "files come in inode order");
        refused(List.of(new File(2, false, "b"), new File(2, false, "b")), 2, "files come in inode order");
    }

    @Test
    void recordsOutsideTheirFileSectionAreRefused() throws Exception {
        refused(List.of(new Size(1, 5)), 1, "before any FILE record");
        refused(List.of(new File(1, false, "a"), new Size(2, 5)), 2, "inside the section of inode 1");
        refused(List.of(new File(1, false, "a"), new Size(1, 5), new Size(1, 6)), 3, "one SIZE");
        refused(List.of(new File(1, false, "a"), new Size(1, 5), new Move(1, "q")), 3, "right after");
        refused(List.of(new File(4, true, "n"), new Move(4, "q")), 2, "a rename of new file 4");
    }

    @Test
    void dataPastTheEndOfTheFileIsRefused() throws Exception {
        refused(List.of(new File(2, false, "b"), data(2, BS, 1, false)), 2, "past the file's end (512 bytes)");
        // Inside the last block but past the end: the bytes there must be zero.
        refused(List.of(new File(1, false, "a"), data(1, 3L * BS, 1, false)), 2, "non-zero bytes past the end");
    }

    @Test
    void twoFilesEndingWithOneNameAreRefused() throws Exception {
        refused(List.of(new File(1, false, "a"), new Move(1, "b")), 3, "which file 2 keeps");
        refused(List.of(new File(4, true, "n"), new Size(4, 0), new File(5, true, "n")), 3, "would both be named 'n'");
    }

    @Test
    void aSwapOfTwoNamesIsAccepted() throws Exception {
        SnapshotId to = identity(base.files.get("b"), base.files.get("a"), base.files.get("c"));
        byte[] d = DeltaSamples.write(header(to, 0), List.of(new File(1, false, "a"), new Move(1, "b"),
                new File(2, false, "b"), new Move(2, "a"))).bytes();
        try (Image rep = Image.open(replica, true)) {
            long txidOfA = rep.stat("a").modifyTxid();
            long txidOfB = rep.stat("b").modifyTxid();
            ApplyStats stats = rep.apply(DeltaSource.of(d, "swap"), false, false).stats();
            assertThat(Model.read(rep, "a")).isEqualTo(base.files.get("b"));
            assertThat(Model.read(rep, "b")).isEqualTo(base.files.get("a"));
            // A rename alone changes no data: the files keep their modification txids (so a diff
            // from this replica may still skip their trees) and do not count as changed.
            assertThat(rep.stat("b").modifyTxid()).isEqualTo(txidOfA);
            assertThat(rep.stat("a").modifyTxid()).isEqualTo(txidOfB);
            assertThat(stats.renamed()).isEqualTo(2);
            assertThat(stats.changed()).isZero();
        }
        assertThat(Fsck.check(replica)).isNull();
    }

    @Test
    void aHeaderWhoseCountsTheRecordsDoNotReachIsRefusedAtTheEnd() throws Exception {
        SnapshotId wrong = new SnapshotId(UUID.randomUUID(), "tue", mon.txid() + 5, 0, mon.digest(), 4,
                mon.bytes());
        byte[] d = DeltaSamples.write(header(wrong, 0), List.of()).bytes();
        expectRefused(d, 1, "the records lead to 3 files", ExitCodes.CORRUPT);
    }

    @Test
    void aNewFileBeyondTheImagesInodesIsNoSpace() throws Exception {
        long inodes;
        try (Image rep = Image.open(replica, false)) {
            inodes = rep.info().inodeCapacity();
        }
        expectRefused(DeltaSamples.write(header(tue(), 0), List.of(new File(inodes + 1, true, "far"))).bytes(), 1,
                "formatted for " + inodes + " files", ExitCodes.NO_SPACE);
    }

    @Test
    void aDeltaWhoseDataExceedsTheFreeSpaceIsRefusedBeforeAnyWrite() throws Exception {
        MemoryDevice big = new MemoryDevice(BS, 8192);
        Image.format(big, 0);
        byte[] full;
        try (Image src = Image.open(big, true)) {
            write(src, "large", 3000 * BS);
            src.createSnapshot("all");
            full = ReplicationModelTest.delta(src, null, "all");
        }
        MemoryDevice small = device();
        CrashingDevice guard = new CrashingDevice(small, 0);
        try (Image rep = Image.open(guard, true)) {
            long free = rep.info().freeBlocks();
            assertThat(free).as("the image is smaller than the delta's data").isLessThan(3000);
            Throwable e = catchApply(rep, full);
            assertThat(e).isNotNull();
            assertThat(ExitCodes.classify(e).status()).as(String.valueOf(e)).isEqualTo(ExitCodes.NO_SPACE);
            assertThat(e.getMessage()).contains("brings 3000 blocks of data").contains(free + " free");
        }
    }

    @Test
    void aDeltaThatDoesNotLeadToItsDigestIsNotCommitted() throws Exception {
        byte[] real;
        try (Image src = Image.open(source, true)) {
            write(src, "b", 3 * BS);
            src.rename("c", "d", false);
            src.createSnapshot("tue");
            real = ReplicationModelTest.delta(src, "mon", "tue");
        }
        DeltaHeader h = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(real)), null).header();
        SnapshotId s = h.snapshot();
        SnapshotId lie = new SnapshotId(s.uuid(), s.name(), s.txid(), s.createdMillis(),
                new FileDigest(s.digest().a() + 1, s.digest().b()), s.fileCount(), s.bytes());
        List<DeltaRecord> records = new ArrayList<>(DeltaSamples.readAll(real));
        records.remove(records.size() - 1);
        byte[] d = DeltaSamples.write(new DeltaHeader(h.blockSize(), h.sourceImage(), lie, h.base(), h.extentCount()),
                records).bytes();
        long free;
        try (Image rep = Image.open(replica, true)) {
            free = rep.info().freeBlocks();
            Throwable e = catchApply(rep, d);
            assertThat(e).isInstanceOf(CorruptDeltaException.class).hasMessageContaining("promises");
            assertThat(rep.snapshots()).extracting(SnapshotInfo::name).containsExactly("mon");
            assertThat(base.diff(rep)).isNull();
            assertThat(rep.info().freeBlocks()).isEqualTo(free);
            rep.apply(DeltaSource.of(real, "real"), false, false);
            assertThat(rep.snapshots()).extracting(SnapshotInfo::name).containsExactly("mon", "tue");
        }
        assertThat(Fsck.check(replica)).isNull();
    }

    /** A delta from mon of {@code records}, to a snapshot whose counts match a base-sized result. */
    private void refused(List<DeltaRecord> records, long record, String message) throws Exception {
        int data = (int) records.stream().filter(r -> r instanceof Data).count();
        expectRefused(DeltaSamples.write(header(tue(), data), records).bytes(), record, message, ExitCodes.CORRUPT);
    }

    private void expectRefused(byte[] delta, long record, String message, int status) throws Exception {
        CrashingDevice guard = new CrashingDevice(replica, 0);
        try (Image rep = Image.open(guard, true)) {
            Throwable e = catchApply(rep, delta);
            assertThat(e).as("apply of a bad delta").isNotNull();
            assertThat(ExitCodes.classify(e).status()).as("status of: %s", e.getMessage()).isEqualTo(status);
            assertThat(e.getMessage()).contains(message).contains("record " + record + " ");
        }
    }

    private static Throwable catchApply(Image rep, byte[] delta) throws IOException {
        try {
            rep.apply(DeltaSource.of(delta, "crafted"), false, false);
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    /** A new snapshot with the base's counts: the END checks pass when the records change nothing. */
    private SnapshotId tue() {
        return new SnapshotId(UUID.randomUUID(), "tue", mon.txid() + 1, 0, mon.digest(), mon.fileCount(), mon.bytes());
    }

    private DeltaHeader header(SnapshotId to, int extents) {
        return new DeltaHeader(BS, UUID.randomUUID(), to, mon, extents);
    }

    private SnapshotId identity(byte[] a, byte[] b, byte[] c) {
        dev.vde.snapshot.SnapshotDigest d = new dev.vde.snapshot.SnapshotDigest();
        d.add("a", a.length, FileDigest.of(a, BS));
        d.add("b", b.length, FileDigest.of(b, BS));
        d.add("c", c.length, FileDigest.of(c, BS));
        return new SnapshotId(UUID.randomUUID(), "swapped", mon.txid() + 3, 0, d.value(), 3,
                (long) a.length + b.length + c.length);
    }

    private static Data data(long inode, long offset, int blocks, boolean zeros) {
        byte[] b = new byte[blocks * BS];
        if (!zeros) {
            java.util.Arrays.fill(b, (byte) 7);
        }
        return new Data(inode, offset, blocks, 0, ByteBuffer.wrap(b));
    }

    private static MemoryDevice device() throws IOException {
        MemoryDevice d = new MemoryDevice(BS, 2048);
        Image.format(d, 0);
        return d;
    }

    private static void write(Image img, String name, int n) throws IOException {
        byte[] b = new byte[n];
        new java.util.Random(name.hashCode() + n).nextBytes(b);
        img.write(name, 0, true, Channels.newChannel(new ByteArrayInputStream(b)));
    }
}
