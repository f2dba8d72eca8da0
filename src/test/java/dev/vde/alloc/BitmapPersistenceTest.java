package dev.vde.alloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.error.NoSpaceException;
import dev.vde.format.BlockTrailer;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import java.io.InputStream;
import java.nio.channels.Channels;
import org.junit.jupiter.api.Test;

/**
 * DESIGN section 6, item 7: the reference design's bitmap persistence read the block trailer as
 * bitmap bits and overwrote it. Here a bitmap block holds exactly (blockSize - 16) * 8 bits and
 * its trailer is never part of the map.
 */
class BitmapPersistenceTest {

    /** An endless stream of ones. */
    private static InputStream ones() {
        return new InputStream() {
            @Override
            public int read() {
                return 1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 1);
                return len;
            }
        };
    }

    @Test
    void bitsPerBlockExcludeTheTrailer() {
        assertThat(Superblock.bitsPerBitmapBlock(512)).isEqualTo((512 - 16) * 8);
        assertThat(Superblock.bitsPerBitmapBlock(4096)).isEqualTo((4096 - 16) * 8);
        assertThat(Superblock.bitsPerBitmapBlock(65536)).isEqualTo((65536 - 16) * 8);
    }

    @Test
    void fillingEveryBlockKeepsEveryBitmapTrailerValid() throws Exception {
        int bs = 512;
        long blocks = 3 * Superblock.bitsPerBitmapBlock(bs) + 100;
        MemoryDevice dev = new MemoryDevice(bs, blocks);
        Image.format(dev, 64);
        long dataBlocks;
        try (Image img = Image.open(dev, true)) {
            Superblock sb = img.superblock();
            assertThat(sb.bitmapBlocks).as("the image needs four bitmap blocks").isEqualTo(4);
            dataBlocks = sb.totalBlocks - sb.dataStart;
            // The whole data region, minus what the file's tree and the name index need.
            assertThatThrownBy(() -> img.write("all", 0, false, Channels.newChannel(ones())))
                    .isInstanceOf(NoSpaceException.class);
            assertThat(img.info().freeBlocks()).as("a failed write changes nothing").isEqualTo(dataBlocks);
            long fits = (dataBlocks - 4) * bs;
            img.write("all", 0, false, Channels.newChannel(new java.io.ByteArrayInputStream(new byte[(int) fits])));
        }
        try (Image img = Image.open(dev, false)) {
            Superblock sb = img.superblock();
            for (long p = 0; p < sb.bitmapBlocks; p++) {
                byte[] b = new byte[bs];
                dev.read(sb.bitmapStart + p, b, 0);
                assertThat(BlockTrailer.isValid(b, Tag.BMAP)).as("bitmap block %d", p).isTrue();
            }
            assertThat(sb.bitmapHighWater).as("every bitmap block was written").isEqualTo(sb.bitmapBlocks);
            long used = img.list().get(0).blocks();
            assertThat(used).isGreaterThan(dataBlocks - 8);
            assertThat(sb.freeBlocks).isLessThan(8);
        }
        try (Image img = Image.open(dev, true)) {
            img.remove("all");
            assertThat(img.info().freeBlocks()).as("every block comes back").isEqualTo(dataBlocks);
        }
        try (Image img = Image.open(dev, true)) {
            assertThat(img.info().freeBlocks()).isEqualTo(dataBlocks);
        }
    }
}
