package dev.vde.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.image.Image;
import dev.vde.testutil.Fsck;
import org.junit.jupiter.api.Test;

/** fsck on images with snapshots, kept clean by every engine operation. */
class SnapshotFsckTest {
    @Test
    void everyStepOfASnapshotHistoryChecksClean() throws Exception {
        for (int bs : new int[] {512, 4096}) {
            SnapImage s = new SnapImage(bs, bs == 512 ? 16384 : 4096, bs);
            try (Image img = Image.open(s.dev, true)) {
                s.scattered(img, "tree", 30);
                s.write(img, "a", 0, s.random(3 * bs + 11));
                s.write(img, "b", 0, s.random(bs / 2));
                assertThat(Fsck.check(s.dev)).isNull();
                s.snapshot(img, "s1");
                assertThat(Fsck.check(s.dev)).as("after the first snapshot").isNull();
                s.write(img, "tree", 5L * bs + 3, s.random(4 * bs));
                s.remove(img, "b");
                assertThat(Fsck.check(s.dev)).as("after an overwrite and a remove").isNull();
                s.snapshot(img, "s2");
                s.snapshot(img, "s2bis");
                s.write(img, "a", bs, s.random(bs));
                assertThat(Fsck.check(s.dev)).as("with three snapshots").isNull();
                s.deleteSnapshot(img, "s2bis");
                assertThat(Fsck.check(s.dev)).as("after a delete").isNull();
                s.rollback(img, "s1");
                assertThat(Fsck.check(s.dev)).as("after a rollback").isNull();
                s.write(img, "tree", 0, s.random(bs));
                s.deleteSnapshot(img, "s1");
                s.deleteSnapshot(img, "s2");
                assertThat(Fsck.check(s.dev)).as("after deleting every snapshot").isNull();
            }
            assertThat(s.diff()).isNull();
        }
    }

    /**
     * Seeded random histories of writes, truncations, removes, renames and snapshot creates,
     * deletes and rollbacks: every committed state checks clean, and the content of every live
     * file and snapshot is as written.
     */
    @Test
    void randomHistoriesCheckCleanAfterEveryStep() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            java.util.Random rnd = new java.util.Random(seed);
            SnapImage s = new SnapImage(512, 8192, seed);
            int taken = 0;
            try (Image img = Image.open(s.dev, true)) {
                for (int step = 0; step < 150; step++) {
                    String name = "f" + rnd.nextInt(6);
                    int op = rnd.nextInt(20);
                    String what;
                    if (op < 9) {
                        long at = (long) rnd.nextInt(24) * (rnd.nextBoolean() ? 512 : 300);
                        s.write(img, name, at, s.random(1 + rnd.nextInt(3 * 512)));
                        what = "write " + name + " at " + at;
                    } else if (op < 11 && s.live.files.containsKey(name)) {
                        long size = rnd.nextInt(8 * 512);
                        img.truncate(name, size);
                        byte[] old = s.live.files.get(name);
                        s.live.files.put(name, java.util.Arrays.copyOf(old, (int) size));
                        what = "truncate " + name + " to " + size;
                    } else if (op < 12 && s.live.files.containsKey(name)) {
                        s.remove(img, name);
                        what = "remove " + name;
                    } else if (op < 13 && s.live.files.containsKey(name)) {
                        String to = "f" + rnd.nextInt(6);
                        img.rename(name, to, true);
                        s.live.files.put(to, s.live.files.remove(name));
                        what = "rename " + name + " to " + to;
                    } else if (op < 16) {
                        String snap = "s" + taken++;
                        s.snapshot(img, snap);
                        what = "snapshot " + snap;
                    } else if (op < 18 && !s.snapshots.isEmpty()) {
                        String snap = pick(s, rnd);
                        s.deleteSnapshot(img, snap);
                        what = "delete " + snap;
                    } else if (!s.snapshots.isEmpty()) {
                        String snap = pick(s, rnd);
                        s.rollback(img, snap);
                        what = "rollback to " + snap;
                    } else {
                        continue;
                    }
                    assertThat(Fsck.check(s.dev)).as("seed %d step %d: %s", seed, step, what).isNull();
                }
            }
            assertThat(s.diff()).as("seed %d", seed).isNull();
            assertThat(Repairer.repair(s.dev).changed()).as("a clean image is left alone").isFalse();
        }
    }

    private static String pick(SnapImage s, java.util.Random rnd) {
        java.util.List<String> names = new java.util.ArrayList<>(s.snapshots.keySet());
        return names.get(rnd.nextInt(names.size()));
    }

    @Test
    void theStandardImageIsCleanAndRepairLeavesItAlone() throws Exception {
        SnapImage s = SnapImage.standard(512, 7);
        Checker c = s.check();
        assertThat(c.findings().isClean()).as(SnapImage.describe(c)).isTrue();
        assertThat(c.snapshots).hasSize(3);
        assertThat(s.refEntries()).as("blocks are shared").isNotEmpty();
        assertThat(Repairer.repair(s.dev).changed()).isFalse();
        assertThat(s.diff()).isNull();
    }
}
