package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.inode.Extent;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A committed data block is never overwritten; freed blocks are not reused before the commit. */
class CopyOnWriteTest {
    private static final int BS = 4096;

    private static void write(Image img, String name, long offset, boolean truncate, byte[] data) throws Exception {
        img.write(name, offset, truncate, Channels.newChannel(new ByteArrayInputStream(data)));
    }

    private static Set<Long> physicalBlocks(Image img, String name) {
        Set<Long> blocks = new HashSet<>();
        img.extents(name).forEach(0, e -> {
            for (long b = e.start(); b < e.start() + e.count(); b++) {
                blocks.add(b);
            }
            return true;
        });
        return blocks;
    }

    private static byte[][] contents(MemoryDevice dev, Set<Long> blocks) {
        List<Long> sorted = new ArrayList<>(blocks);
        sorted.sort(null);
        byte[][] out = new byte[sorted.size()][BS];
        for (int i = 0; i < sorted.size(); i++) {
            dev.read(sorted.get(i), out[i], 0);
        }
        return out;
    }

    @Test
    void overwriteGoesToNewBlocksAndLeavesCommittedOnesUntouched() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 4096);
        Image.format(dev, 0);
        byte[] data = new byte[10 * BS];
        new Random(1).nextBytes(data);
        try (Image img = Image.open(dev, true)) {
            write(img, "f", 0, false, data);
            Set<Long> before = physicalBlocks(img, "f");
            byte[][] committed = contents(dev, before);

            byte[] patch = new byte[3 * BS + 100];
            new Random(2).nextBytes(patch);
            write(img, "f", 2 * BS + 50, false, patch);

            assertThat(contents(dev, before)).as("old blocks keep their bytes").isEqualTo(committed);
            Set<Long> after = physicalBlocks(img, "f");
            Set<Long> rewritten = new HashSet<>(after);
            rewritten.removeAll(before);
            assertThat(rewritten).as("the 4 touched logical blocks moved").hasSize(4);
            Model m = new Model();
            m.write("f", 0, data, false);
            m.write("f", 2 * BS + 50, patch, false);
            assertThat(m.diff(img)).isNull();
        }
    }

    @Test
    void blocksFreedInATransactionAreNotReusedBeforeItCommits() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 4096);
        Image.format(dev, 0);
        byte[] data = new byte[10 * BS];
        new Random(3).nextBytes(data);
        try (Image img = Image.open(dev, true)) {
            write(img, "f", 0, false, data);
            Set<Long> before = physicalBlocks(img, "f");
            long freeBefore = img.info().freeBlocks();
            byte[] replacement = new byte[10 * BS];
            new Random(4).nextBytes(replacement);
            // One transaction frees all ten blocks (truncate to 0) and allocates ten new ones.
            write(img, "f", 0, true, replacement);
            Set<Long> after = physicalBlocks(img, "f");
            assertThat(after).hasSize(10).doesNotContainAnyElementsOf(before);
            assertThat(img.info().freeBlocks()).as("ten freed, ten allocated").isEqualTo(freeBefore);
            // Once committed, the freed blocks are available again.
            img.remove("f");
            write(img, "g", 0, false, new byte[20 * BS]);
            assertThat(physicalBlocks(img, "g")).containsAnyElementsOf(before);
        }
    }

    @Test
    void adjacentWritesMergeIntoOneExtent() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 4096);
        Image.format(dev, 0);
        try (Image img = Image.open(dev, true)) {
            for (int i = 0; i < 50; i++) {
                write(img, "seq", (long) i * BS, false, new byte[BS]);
            }
            List<Extent> extents = new ArrayList<>();
            img.extents("seq").forEach(0, e -> extents.add(e) && true);
            assertThat(extents).as("sequential appends land on contiguous blocks and merge").hasSize(1);
            assertThat(extents.get(0).count()).isEqualTo(50);
        }
    }
}
