package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.format.Tag;
import dev.vde.inode.Extent;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.io.MemoryDevice;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.testutil.ImageModel;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshot defects of the reference design (DESIGN section 6, items 1, 2 and 8), each proven
 * absent through the engine: writes, snapshot calls and reopens, with the whole state checked
 * against a model, exact space, exact ref counts and a clean fsck. {@code RefCountTableTest}
 * has the unit-level versions of items 1 and 2.
 */
class SnapshotDefectTest {
    private MemoryDevice dev;
    private Image img;
    private final ImageModel m = new ImageModel();

    @AfterEach
    void close() throws IOException {
        if (img != null) {
            img.close();
        }
    }

    private void format(int bs, long blocks) throws IOException {
        dev = new MemoryDevice(bs, blocks);
        Image.format(dev, 0);
        img = Image.open(dev, true);
    }

    private void reopen() throws IOException {
        img.close();
        img = Image.open(dev, true);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void write(String name, long offset, byte[] data) throws IOException {
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
        m.live.write(name, offset, data, false);
    }

    private void snapshot(String name) throws IOException {
        img.createSnapshot(name);
        m.snapshot(name);
    }

    private void deleteSnapshot(String name) throws IOException {
        img.deleteSnapshot(name);
        m.deleteSnapshot(name);
    }

    private void remove(String name) throws IOException {
        img.remove(name);
        m.live.files.remove(name);
    }

    private static TreeSet<Long> blocks(FileExtents map) {
        TreeSet<Long> out = new TreeSet<>();
        map.forEach(0, e -> {
            for (long b = e.start(); b < e.start() + e.count(); b++) {
                out.add(b);
            }
            return true;
        });
        return out;
    }

    private static TreeSet<Long> range(long start, long count) {
        TreeSet<Long> out = new TreeSet<>();
        for (long b = start; b < start + count; b++) {
            out.add(b);
        }
        return out;
    }

    /** Every block of {@code blocks} has reference count {@code count}. */
    private void countsAre(Set<Long> blocks, long count, String what) {
        for (long b : blocks) {
            assertThat(img.refCounts().count(b)).as("count of block %d: %s", b, what).isEqualTo(count);
        }
    }

    /** Every block of {@code blocks} is allocated, or every one free. */
    private void usedAre(Set<Long> blocks, boolean used, String what) {
        for (long b : blocks) {
            assertThat(img.view().allocator().isUsed(b)).as("block %d allocated: %s", b, what).isEqualTo(used);
        }
    }

    /** The model, exact space, exact counts and fsck. */
    private void checkAll(String when) throws IOException {
        assertThat(m.check(img, dev)).as(when).isNull();
    }

    /**
     * DESIGN section 6, item 1: "Ref counts keyed by extent start block: after a partial
     * overwrite splits a shared extent, the after piece has no count, is treated as unshared, is
     * overwritten in place (corrupting the snapshot), and deleting the snapshot later frees
     * blocks the live file still uses."
     *
     * <p>A 16-block file in one extent is snapshotted; a write into blocks 5 to 7 splits the
     * shared extent into a before piece, new blocks and an after piece (blocks 8 to 15). The
     * after piece must still count 2, a write into it must go to new blocks (the snapshot's bytes
     * and the original blocks unchanged), and once the snapshot is deleted every block the live
     * file maps must stay allocated: filling the image with new files never hands one out.
     */
    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void item1_theAfterPieceOfASplitSharedExtentStaysShared(int bs) throws IOException {
        format(bs, 2048);
        byte[] original = random(16 * bs, 1);
        write("f", 0, original);
        assertThat(img.stat("f").extents()).as("one extent").isEqualTo(1);
        long first = img.extents("f").floor(0).start();
        snapshot("s");

        // Blocks 5 (from byte 100), 6 and 7 (to byte 100): the shared extent splits in three.
        write("f", 5L * bs + 100, random(2 * bs, 2));
        Extent after = img.extents("f").find(8L * bs);
        assertThat(after.start()).as("the after piece maps the original blocks 8..15").isEqualTo(first + 8);
        assertThat(after.count()).isEqualTo(8);
        countsAre(range(first, 5), 2, "before piece, held by f and s");
        countsAre(range(first + 5, 3), 1, "overwritten, held by s");
        countsAre(range(first + 8, 8), 2, "after piece, held by f and s");
        checkAll("after the split");

        reopen();
        // Into the after piece (blocks 10 and 11): copy-on-write, never in place.
        write("f", 10L * bs + 7, random(bs, 3));
        for (long at : new long[] {10L * bs, 11L * bs}) {
            Extent e = img.extents("f").find(at);
            long physical = e.start() + (at - e.logical()) / bs;
            assertThat(range(first, 16)).as("file block %d went to a new block", at / bs)
                    .doesNotContain(physical);
        }
        byte[] onDisk = new byte[16 * bs];
        for (int i = 0; i < 16; i++) {
            dev.read(first + i, onDisk, i * bs);
        }
        assertThat(onDisk).as("the snapshot's blocks were never overwritten").isEqualTo(original);
        assertThat(Model.read(img, "f", "s")).isEqualTo(original);
        checkAll("after writing into the after piece");

        deleteSnapshot("s");
        TreeSet<Long> live = blocks(img.extents("f"));
        TreeSet<Long> dropped = range(first, 16);
        dropped.removeAll(live);
        reopen();
        usedAre(live, true, "mapped by f");
        usedAre(dropped, false, "held by s alone, which is gone");
        assertThat(dropped).as("blocks 5..7, 10 and 11 of the original").hasSize(5);
        assertThat(img.refCounts().isEmpty()).as("no snapshot, no counts above 1").isTrue();
        checkAll("after deleting the snapshot");

        // Fill the image: no new file may take a block the live file maps.
        int n = 0;
        while (img.info().freeBlocks() > 40) {
            String name = "g" + n;
            int size = (int) Math.min(200, img.info().freeBlocks() - 30) * bs - 17;
            write(name, 0, random(size, 100 + n));
            TreeSet<Long> taken = blocks(img.extents(name));
            taken.retainAll(live);
            assertThat(taken).as("%s took blocks of the live file", name).isEmpty();
            n++;
        }
        assertThat(n).as("files written to fill the image").isGreaterThan(2);
        assertThat(Model.read(img, "f")).isEqualTo(m.live.files.get("f"));
        checkAll("after filling the image");
    }

    /**
     * DESIGN section 6, item 2: "A count that reaches 0 and is persisted as not stored comes
     * back as 1 after a reload; stale zero entries make a reused block look unshared (double
     * free later)."
     *
     * <p>Blocks held only by a snapshot reach count 0 when it is deleted: after a reopen they are
     * free and the table has no entry for them; a new file reuses them with count 1, a snapshot
     * of it makes them 2, and overwriting, removing and deleting free each block exactly once,
     * with a reopen between every step.
     */
    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void item2_blocksWhoseCountReachesZeroAreFreedForGoodAndReusedUnshared(int bs) throws IOException {
        format(bs, 1024);
        write("a", 0, random(8 * bs, 1));
        write("b", 0, random(4 * bs, 2));
        // "keep" holds b throughout, so the table is never empty and counts go through it.
        snapshot("keep");
        write("a", 0, random(8 * bs, 3));
        TreeSet<Long> gone = blocks(img.extents("a"));
        snapshot("s");
        reopen();
        countsAre(gone, 2, "held by a and s");
        // a moves away: its blocks are held by s alone.
        write("a", 0, random(8 * bs, 4));
        reopen();
        countsAre(gone, 1, "held by s alone");
        checkAll("with s holding the old blocks of a");

        deleteSnapshot("s");
        reopen();
        usedAre(gone, false, "count reached 0, after a reopen");
        for (long[] e : img.refCounts().entries()) {
            assertThat(range(e[0], e[1])).as("entry %s covers a freed block", Arrays.toString(e))
                    .doesNotContainAnyElementsOf(gone);
        }
        assertThat(img.refCounts().isEmpty()).as("keep still shares b").isFalse();
        checkAll("after the count reached 0");

        // A new file takes the freed blocks again (they are the lowest free ones).
        write("c", 0, random(gone.size() * bs, 5));
        TreeSet<Long> reused = blocks(img.extents("c"));
        reused.retainAll(gone);
        assertThat(reused).as("c reuses blocks whose count reached 0").isNotEmpty();
        reopen();
        countsAre(reused, 1, "reused, unshared");
        checkAll("after reuse");

        // Shared again: a snapshot makes them 2, an overwrite 1, rm keeps them, the delete frees them once.
        snapshot("t");
        reopen();
        countsAre(reused, 2, "reused, held by c and t");
        write("c", bs / 2, random(gone.size() * bs - bs, 6));
        reopen();
        countsAre(reused, 1, "reused, held by t");
        checkAll("after overwriting c");
        remove("c");
        reopen();
        usedAre(reused, true, "reused, held by t");
        checkAll("after removing c");
        deleteSnapshot("t");
        reopen();
        usedAre(reused, false, "reused, freed once");
        checkAll("after deleting t");

        // Unshared reuse: written, overwritten and removed with plain frees.
        write("d", 0, random(gone.size() * bs, 7));
        reopen();
        write("d", 0, random(gone.size() * bs, 8));
        reopen();
        remove("d");
        reopen();
        checkAll("after d");
    }

    /**
     * DESIGN section 6, item 8: "Snapshots covered only inline extents; the snapshot inode was
     * never written."
     *
     * <p>A snapshot of a file with hundreds of extents (an extent tree of height 3 at 512-byte
     * blocks), files with inline extents, a one-extent file and an empty file; the live files then
     * change or go, so only the snapshot keeps the data. After a reopen of the same device, and
     * after a fresh open of a copy of the image as a file (another device, nothing cached), the
     * snapshot's file table is there and every file reads back equal, trees and inline extents
     * alike.
     */
    @Test
    void item8_snapshotsKeepTreesAndInlineExtentsAndTheirFileTableAcrossReopens(@TempDir Path dir)
            throws IOException {
        int bs = 512;
        format(bs, 32L * 1024 * 1024 / bs);
        for (int i = 0; i < 600; i++) {
            write("tree", 2L * i * bs, random(bs, i));
        }
        for (int i = 0; i < 3; i++) {
            write("inline", 3L * i * bs + 11, random(bs - 20, 1000 + i));
        }
        write("one", 0, random(5 * bs + 3, 2000));
        write("empty", 0, new byte[0]);
        assertThat(img.stat("tree").extents()).isEqualTo(600);
        assertThat(img.extents("tree").tree().height()).isEqualTo(3);
        assertThat(img.stat("inline").extents()).isBetween(2L, 4L);
        snapshot("s");
        // Only the snapshot keeps the data now.
        write("tree", 0, random(1200 * bs, 3000));
        remove("inline");
        img.truncate("one", 0);
        m.live.files.put("one", new byte[0]);
        assertThat(img.stat("tree").extents()).as("the live tree collapsed").isLessThanOrEqualTo(4);
        checkAll("before reopening");
        reopen();
        checkFrozen(img);
        checkAll("after a reopen");
        img.close();
        img = null;

        // A fresh open of the bytes as an image file: another device, nothing carried over.
        Path file = dir.resolve("copy.vde");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] b = new byte[bs];
            for (long i = 0; i < dev.blockCount(); i++) {
                dev.read(i, b, 0);
                ch.write(ByteBuffer.wrap(b), i * bs);
            }
        }
        try (Image ro = Image.open(file, false)) {
            checkFrozen(ro);
            assertThat(m.check(ro, ro.device())).as("read-only open of the file").isNull();
        }
        try (Image rw = Image.open(file, true)) {
            checkFrozen(rw);
            rw.deleteSnapshot("s");
            m.deleteSnapshot("s");
            assertThat(m.check(rw, rw.device())).as("after deleting the snapshot in the file").isNull();
            assertThat(rw.refCounts().isEmpty()).isTrue();
        }
    }

    /** The snapshot's record, file table and frozen inodes as stored. */
    private void checkFrozen(Image img) throws IOException {
        assertThat(m.diff(img)).as("state").isNull();
        SnapshotRecord r = new Catalog(img.view()).find("s");
        assertThat(r.filesHead).as("the snapshot's file table was written").isNotZero();
        assertThat(r.filesPages).isPositive();
        img.view().read(r.filesHead, Tag.SFIL); // verifies tag and checksum
        List<Inode> frozen = img.snapshotFiles("s");
        assertThat(frozen).extracting(f -> f.name).containsExactlyInAnyOrder("tree", "inline", "one", "empty");
        long extents = 0;
        for (Inode f : frozen) {
            assertThat(f.size).as("size of %s", f.name).isEqualTo(m.snapshots.get("s").files.get(f.name).length);
            extents += f.extentCount;
            FileExtents map = new FileExtents(img.view(), f);
            List<Extent> all = new ArrayList<>();
            map.forEach(0, e -> all.add(e));
            assertThat(all).as("extents of %s", f.name).hasSize((int) f.extentCount)
                    .allSatisfy(e -> assertThat(e.flags() & Extent.SHARED_COW).isNotZero());
            switch (f.name) {
                case "tree" -> {
                    assertThat(f.extentCount).isEqualTo(600);
                    assertThat(map.tree()).as("the frozen tree").isNotNull();
                    assertThat(map.tree().height()).isGreaterThanOrEqualTo(2);
                }
                case "inline", "one" -> {
                    assertThat(map.tree()).as("%s stays inline", f.name).isNull();
                    assertThat(f.inline).hasSize((int) f.extentCount);
                }
                default -> assertThat(f.extentCount).isZero();
            }
        }
        SnapshotInfo info = img.snapshot("s");
        assertThat(info.extentCount()).isEqualTo(extents);
        assertThat(info.fileCount()).isEqualTo(4);
        for (Map.Entry<String, byte[]> e : m.snapshots.get("s").files.entrySet()) {
            assertThat(Model.read(img, e.getKey(), "s")).as("%s in the snapshot", e.getKey()).isEqualTo(e.getValue());
        }
    }
}
