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
