package dev.vde.inode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.btree.TreeInvariants;
import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * File-level defects of the reference design (DESIGN section 6): item 4, lookup returning the
 * preceding extent for an offset it does not cover, and item 3(e), extent-tree root and height
 * not persisted across a reopen.
 */
class FileExtentsDefectTest {
    private static final int BS = 512;

    private final MemoryDevice dev = new MemoryDevice(BS, 64L * 1024 * 1024 / BS);

    private Image open() throws IOException {
        return Image.open(dev, true);
    }

    private static byte[] block(long seed) {
        byte[] b = new byte[BS];
        new Random(seed).nextBytes(b);
        b[0] |= 1; // never all zero
        return b;
    }

    private static void writeBlock(Image img, String name, long blockIndex) throws IOException {
        img.write(name, blockIndex * BS, false, Channels.newChannel(new ByteArrayInputStream(block(blockIndex))));
    }

    /**
     * Item 4: find(offset) used to return the floor extent even when the offset lies in the hole
     * after it. Inline representation (up to four extents in the inode).
     */
    @Test
    void item4_findReturnsNullForAHoleAfterAnInlineExtent() throws IOException {
        Image.format(dev, 0);
        try (Image img = open()) {
            writeBlock(img, "f", 0);
            writeBlock(img, "f", 10);
            FileExtents fx = img.extents("f");
            assertThat(fx.tree()).as("still inline").isNull();
            assertThat(fx.find(0)).isNotNull();
            assertThat(fx.find(BS - 1)).isNotNull();
            assertThat(fx.find(BS)).as("first byte of the hole after extent 0").isNull();
            assertThat(fx.find(5L * BS)).as("middle of the hole").isNull();
            assertThat(fx.find(10L * BS - 1)).as("last byte of the hole").isNull();
            assertThat(fx.find(10L * BS).logical()).isEqualTo(10L * BS);
            assertThat(fx.find(11L * BS)).as("past the last extent").isNull();
            assertThat(fx.floor(5L * BS).logical()).as("floor still finds the preceding extent").isZero();
            // and the data path reads zeros in the hole
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            img.cat("f", Channels.newChannel(out));
            byte[] all = out.toByteArray();
            assertThat(all.length).isEqualTo(11 * BS);
            assertThat(Arrays.copyOfRange(all, BS, 10 * BS)).containsOnly(0);
            assertThat(Arrays.copyOfRange(all, 0, BS)).isEqualTo(block(0));
        }
    }

    /** Item 4 with the extents in a B+tree (more than four): every hole byte maps to null. */
    @Test
    void item4_findReturnsNullForHolesBetweenTreeExtents() throws IOException {
        Image.format(dev, 0);
        try (Image img = open()) {
            for (long b = 0; b < 60; b += 3) {
                writeBlock(img, "f", b); // extents at blocks 0, 3, 6, ...; holes of two blocks
            }
            FileExtents fx = img.extents("f");
            assertThat(fx.tree()).as("extents moved to a tree").isNotNull();
            assertThat(fx.tree().height()).isGreaterThanOrEqualTo(2);
            for (long off = 0; off < 61L * BS; off += BS / 4) {
                long blk = off / BS;
                Extent e = fx.find(off);
                if (blk % 3 == 0 && blk < 60) {
                    assertThat(e).as("offset %d", off).isNotNull();
                    assertThat(e.covers(off, BS)).isTrue();
                } else {
                    assertThat(e).as("hole at offset %d", off).isNull();
                }
            }
        }
    }

    /**
     * Item 3(e) at file level: the extent tree's root and height live in the inode; after the
     * image is closed and reopened the file must map exactly the same extents through a tree of
     * the same height, both after growing to height 3 and after shrinking.
     */
    @Test
    void item3e_extentTreeRootAndHeightPersistAcrossReopen() throws IOException {
        Image.format(dev, 0);
        int n = 700; // 700 one-block extents with holes: ascending inserts give ~10 per leaf, height 3
        long root;
        int height;
        try (Image img = open()) {
            for (long i = 0; i < n; i++) {
                writeBlock(img, "big", 2 * i);
            }
            FileExtents fx = img.extents("big");
            height = fx.tree().height();
            root = fx.tree().root();
            assertThat(height).isEqualTo(3);
            assertThat(fx.inode().treeRoot).isEqualTo(root);
            assertThat(fx.inode().treeHeight).isEqualTo(height);
            assertThat(TreeInvariants.check(fx.tree(), img.view()).entries()).isEqualTo(n);
        }
        try (Image img = open()) {
            FileExtents fx = img.extents("big");
            assertThat(fx.inode().treeRoot).isEqualTo(root);
            assertThat(fx.inode().treeHeight).isEqualTo(height);
            assertThat(fx.tree().height()).isEqualTo(3);
            assertThat(TreeInvariants.check(fx.tree(), img.view()).entries()).isEqualTo(n);
            for (long i = 0; i < n; i++) {
                assertThat(fx.find(2 * i * BS)).isNotNull();
                assertThat(fx.find((2 * i + 1) * BS)).isNull();
            }
            img.truncate("big", 2L * 30 * BS); // 30 extents left: the tree collapses to one leaf
        }
        try (Image img = open()) {
            FileExtents fx = img.extents("big");
            assertThat(fx.inode().extentCount).isEqualTo(30);
            assertThat(fx.tree().height()).isEqualTo(2);
            assertThat(TreeInvariants.check(fx.tree(), img.view()).entries()).isEqualTo(30);
            img.truncate("big", 2L * 15 * BS);
        }
        try (Image img = open()) {
            FileExtents fx = img.extents("big");
            assertThat(fx.tree().height()).isEqualTo(1);
            assertThat(TreeInvariants.check(fx.tree(), img.view()).entries()).isEqualTo(15);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            img.cat("big", Channels.newChannel(out));
            byte[] all = out.toByteArray();
            assertThat(all.length).isEqualTo(30 * BS);
            for (int i = 0; i < 15; i++) {
                assertThat(Arrays.copyOfRange(all, 2 * i * BS, 2 * i * BS + BS)).isEqualTo(block(2L * i));
            }
        }
    }
}
