package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.check.Checker;
import dev.vde.io.MemoryDevice;
import dev.vde.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the engine reports to a progress meter adds up: every unit it announces in a total is
 * advanced exactly once by the time the work is done, so a meter ends at 100 %, never past it.
 */
class ProgressReportTest {
    private static final int BS = 4096;

    /** Records the last total and the sum of the advances. */
    private static final class Recorder implements Progress {
        long total = -1;
        long done;
        int totals;

        @Override
        public void total(long units) {
            total = units;
            totals++;
        }

        @Override
        public void advance(long units) {
            assertThat(units).isNotNegative();
            done += units;
        }
    }

    private static void write(Image img, String name, long offset, int length, long seed) throws Exception {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(b)));
    }

    @Test
    void snapshotDiffAndFsckAdvanceExactlyTheirTotals() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 16384);
        Image.format(dev, 0);
        try (Image img = Image.open(dev, true)) {
            for (int f = 0; f < 5; f++) {
                write(img, "f" + f, 0, 20 * BS, f);
                for (int i = 0; i < 12; i++) { // scattered overwrites: many extents
                    write(img, "f" + f, (long) (i * 5 % 20) * BS, BS / 2, 100 + f * 20 + i);
                }
            }
            long extents = img.list().stream().mapToLong(FileInfo::extents).sum();
            Recorder snap = new Recorder();
            img.createSnapshot("s1", snap);
            assertThat(snap.total).as("every live extent is frozen").isEqualTo(extents).isGreaterThan(20);
            assertThat(snap.done).isEqualTo(snap.total);

            write(img, "f1", 3 * BS, 5 * BS, 7);
            write(img, "new", 0, 3 * BS + 5, 8);
            img.createSnapshot("s2");

            Recorder diff = new Recorder();
            DeltaExport.Result r = DeltaExport.write(img, "s1", "s2", Channels.newChannel(new ByteArrayOutputStream()),
                    diff);
            assertThat(diff.total).as("the blocks the delta ships").isEqualTo(9L * BS);
            assertThat(diff.done).isEqualTo(diff.total);
            assertThat(r.dataBytes()).isGreaterThanOrEqualTo(diff.total - BS);

            Recorder full = new Recorder();
            DeltaExport.write(img, null, "s2", Channels.newChannel(new ByteArrayOutputStream()), full);
            assertThat(full.done).isEqualTo(full.total).isEqualTo(img.snapshot("s2").dataBlocks() * BS);
        }
        Recorder fsck = new Recorder();
        Checker c = Checker.check(dev, fsck);
        assertThat(c.findings().isClean()).isTrue();
        assertThat(fsck.total).as("6 live files, 5 frozen in s1 and 6 in s2").isEqualTo(6 + 5 + 6);
        assertThat(fsck.done).isEqualTo(fsck.total);
    }
}
