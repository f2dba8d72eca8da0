package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.error.ConflictException;
import dev.vde.error.NotFoundException;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Model;
import dev.vde.testutil.Space;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Snapshot create, list, delete and rollback through the engine, with reopens. */
class SnapshotBasicsTest {
    private static final int BS = 4096;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void write(Image img, Model m, String name, long offset, byte[] data) throws Exception {
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
        m.write(name, offset, data, false);
    }

    @Test
    void snapshotKeepsContentThroughOverwriteRemoveDeleteAndRollback() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 8192);
        Image.format(dev, 0);
        Model live = new Model();
        Model m2;
        try (Image img = Image.open(dev, true)) {
            write(img, live, "a", 0, random(40 * BS, 1));
            write(img, live, "b", 0, random(3 * BS + 7, 2));
            for (int i = 0; i < 30; i++) {
                // many extents, so "a" has a tree
                write(img, live, "a", (long) (i * 7 % 40) * BS + 100, random(500, 10 + i));
            }
            assertThat(img.extents("a").tree()).isNotNull();
            long usedBefore = img.info().usedBlocks();
            SnapshotInfo s1 = img.createSnapshot("s1");
            Model m1 = live.copy();
            assertThat(s1.fileCount()).isEqualTo(2);
            assertThat(s1.txid()).isEqualTo(img.info().txid());
            // O(extents): the snapshot costs its tree and file table, no data
            assertThat(img.info().usedBlocks() - usedBefore).isLessThan(10);
            assertThat(Space.check(img)).isNull();
            assertThatThrownBy(() -> img.createSnapshot("s1")).isInstanceOf(ConflictException.class);

            write(img, live, "a", 5 * BS + 17, random(9 * BS, 3));
            img.remove("b");
            live.files.remove("b");
            write(img, live, "c", 0, random(5 * BS, 4));
            assertThat(m1.diff(img, "s1")).isNull();
            assertThat(live.diff(img)).isNull();
            assertThat(Space.check(img)).isNull();

            img.createSnapshot("s2");
            m2 = live.copy();
            write(img, live, "c", BS, random(BS, 5));
            img.deleteSnapshot("s1");
            assertThat(m2.diff(img, "s2")).isNull();
            assertThat(live.diff(img)).isNull();
            assertThat(Space.check(img)).isNull();
            assertThatThrownBy(() -> img.deleteSnapshot("s1")).isInstanceOf(NotFoundException.class);

            img.rollback("s2");
            assertThat(m2.diff(img)).isNull();
            assertThat(Space.check(img)).isNull();
            write(img, m2, "a", 0, random(BS, 6));
        }
        try (Image img = Image.open(dev, true)) {
            assertThat(m2.diff(img)).isNull();
            assertThat(img.snapshots()).extracting(SnapshotInfo::name).containsExactly("s2");
            img.deleteSnapshot("s2");
            assertThat(img.snapshots()).isEmpty();
            assertThat(img.refCounts().isEmpty()).isTrue();
            assertThat(m2.diff(img)).isNull();
            assertThat(Space.check(img)).isNull();
            for (String f : m2.files.keySet().toArray(new String[0])) {
                img.remove(f);
            }
            assertThat(img.info().usedBlocks()).isEqualTo(Space.referencedBlocks(img));
        }
    }

    /**
     * rm takes one of two paths when snapshots exist: a few extents adjust the ref-count
     * entries they touch, many (64 and more) merge with the whole table at once. Both must free
     * exactly the blocks no snapshot holds.
     */
    @Test
    void removingSmallAndLargeSharedFilesFreesExactlyTheUnsharedBlocks() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 8192);
        Image.format(dev, 0);
        Model live = new Model();
        try (Image img = Image.open(dev, true)) {
            for (int i = 0; i < 100; i++) {
                write(img, live, "big", 2L * i * BS, random(BS, 100 + i));
            }
            write(img, live, "small", 0, random(3 * BS, 7));
            assertThat(img.stat("big").extents()).isGreaterThanOrEqualTo(64);
            img.createSnapshot("s");
            Model frozen = live.copy();
            write(img, live, "big", 4 * BS, random(BS, 8));
            write(img, live, "fresh", 0, random(20 * BS, 9));
            long before = img.info().usedBlocks();
            for (String name : new String[] {"big", "small", "fresh"}) {
                img.remove(name);
                live.files.remove(name);
                assertThat(Space.check(img)).as("after rm %s", name).isNull();
                assertThat(Space.checkCounts(img)).as("counts after rm %s", name).isNull();
                assertThat(frozen.diff(img, "s")).as("after rm %s", name).isNull();
            }
            // What the snapshot holds stays: its 103 data blocks and its own metadata.
            assertThat(img.info().usedBlocks()).isGreaterThan(103).isLessThan(before - 20);
            img.deleteSnapshot("s");
            assertThat(img.refCounts().isEmpty()).isTrue();
            assertThat(Space.check(img)).isNull();
        }
    }
}
