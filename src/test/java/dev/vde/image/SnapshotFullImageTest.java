package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.error.NoSpaceException;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.ImageModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On an image that is full, removing files and deleting snapshots must still work: they are how
 * space comes back. With snapshots, every change of the ref-count table rebuilds it, and every
 * change of the snapshot list rewrites it; neither may need more free blocks than a full image
 * has.
 */
class SnapshotFullImageTest {
    private MemoryDevice dev;
    private Image img;
    private final ImageModel m = new ImageModel();
    private final Random rnd = new Random(42);

    private byte[] random(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private void write(String name, long offset, byte[] data) throws IOException {
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
        m.live.write(name, offset, data, false);
    }

    /** Appends to {@code name} until no block is left; a commit that found no room for its log needs a reopen. */
    private void fill(String name, int bs) throws IOException {
        for (int chunk : new int[] {256 * bs, 16 * bs, bs}) {
            try {
                while (true) {
                    byte[] cur = m.live.files.get(name);
                    write(name, cur == null ? 0 : cur.length, random(chunk));
                }
            } catch (NoSpaceException e) {
                try {
                    img.info();
                } catch (IllegalStateException broken) {
                    img.close();
                    img = Image.open(dev, true);
                }
            }
        }
        assertThat(img.info().freeBlocks()).as("the image is full").isLessThanOrEqualTo(2);
    }

    private void check(String when) throws IOException {
        assertThat(m.check(img, dev)).as(when).isNull();
    }

    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void removingFilesAndDeletingSnapshotsWorkOnAFullImage(int bs) throws IOException {
        // At 512 bytes the table takes several nodes: 16384 blocks give a log region of 64 blocks,
        // enough for all of them, so that the log needs no free block either.
        dev = new MemoryDevice(bs, bs == 512 ? 16384 : 2048);
        Image.format(dev, 0);
        img = Image.open(dev, true);
        try {
            // Many files and three snapshots with partial overwrites between them: counts of 1, 2, 3
            // and 4 interleave, so the ref-count table has many entries.
            for (int i = 0; i < 40; i++) {
                write("f" + i, 0, random(3 * bs * (i % 5 + 1)));
            }
            for (int s = 1; s <= 3; s++) {
                img.createSnapshot("s" + s);
                m.snapshot("s" + s);
                for (int i = s - 1; i < 40; i += 2) {
                    write("f" + i, (long) s * bs, random(bs));
                }
            }
            assertThat(img.refCounts().entries().size()).as("entries in the ref-count table").isGreaterThan(60);
            if (bs == 512) {
                assertThat(img.refCounts().tree().height()).as("ref-count tree height").isGreaterThanOrEqualTo(2);
            }
            check("before filling");

            fill("fill", bs);
            long freeFull = img.info().freeBlocks();
            long fillBlocks = img.stat("fill").blocks();
            img.remove("fill");
            m.live.files.remove("fill");
            assertThat(img.info().freeBlocks()).as("rm of an unshared file frees all its blocks (and its tree)")
                    .isGreaterThanOrEqualTo(freeFull + fillBlocks);
            check("after rm on a full image");

            fill("fill", bs);
            img.deleteSnapshot("s2");
            m.deleteSnapshot("s2");
            assertThat(img.info().freeBlocks()).as("deleting a snapshot gave space back").isGreaterThan(freeFull);
            check("after deleting a snapshot on a full image");

            fill("fill2", bs);
            img.remove("f0");
            m.live.files.remove("f0");
            check("after rm of a shared file on a full image");
        } finally {
            img.close();
        }
    }
}
