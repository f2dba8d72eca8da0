package dev.vde.inode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.format.BlockTrailer;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FileDigestTest {
    private static final int BS = 512;

    @Test
    void holesAndWrittenZerosAgreeAndContentMatters() {
        byte[] a = new byte[5 * BS];
        new Random(1).nextBytes(a);
        byte[] withZeros = a.clone();
        java.util.Arrays.fill(withZeros, 2 * BS, 3 * BS, (byte) 0);
        byte[] shorter = java.util.Arrays.copyOf(a, 4 * BS);
        assertThat(FileDigest.of(new byte[7 * BS], BS)).as("zero blocks contribute nothing").isEqualTo(FileDigest.EMPTY);
        assertThat(FileDigest.of(a, BS)).isNotEqualTo(FileDigest.of(withZeros, BS))
                .isNotEqualTo(FileDigest.of(shorter, BS));
        // the same bytes at another block index give another digest
        byte[] moved = new byte[6 * BS];
        System.arraycopy(a, 0, moved, BS, a.length);
        assertThat(FileDigest.of(moved, BS)).isNotEqualTo(FileDigest.of(a, BS));
    }

    @Test
    void aHoleAndWrittenZerosGiveTheSameDigest() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 4096);
        Image.format(dev, 64);
        byte[] tail = new byte[BS + 7];
        new Random(3).nextBytes(tail);
        try (Image img = Image.open(dev, true)) {
            img.write("hole", 3 * BS, false, Channels.newChannel(new ByteArrayInputStream(tail)));
            byte[] zerosThenTail = new byte[3 * BS + tail.length];
            System.arraycopy(tail, 0, zerosThenTail, 3 * BS, tail.length);
            img.write("zeros", 0, false, Channels.newChannel(new ByteArrayInputStream(zerosThenTail)));
            assertThat(img.stat("hole").blocks()).isLessThan(img.stat("zeros").blocks());
            assertThat(img.digest("hole")).isEqualTo(img.digest("zeros")).isNotEqualTo(FileDigest.EMPTY);
        }
    }

    @Test
    void anInodeWrittenWithoutADigestGetsOneComputedFromItsData() throws Exception {
        MemoryDevice dev = new MemoryDevice(BS, 4096);
        Image.format(dev, 64);
        byte[] data = new byte[10 * BS + 123];
        new Random(2).nextBytes(data);
        FileDigest kept;
        Superblock sb;
        try (Image img = Image.open(dev, true)) {
            img.write("f", 3 * BS, false, Channels.newChannel(new ByteArrayInputStream(data)));
            kept = img.digest("f");
            sb = img.superblock();
        }
        byte[] content = new byte[3 * BS + data.length];
        System.arraycopy(data, 0, content, 3 * BS, data.length);
        assertThat(kept).isEqualTo(FileDigest.of(content, BS));
        // clear the "digest valid" flag, as in an image written before digests were kept
        byte[] b = new byte[BS];
        dev.read(sb.inodeStart, b, 0);
        assertThat(LE.u16(b, 0)).isEqualTo(InodeCodec.FLAG_USED | InodeCodec.FLAG_DIGEST);
        LE.u16(b, 0, InodeCodec.FLAG_USED);
        BlockTrailer.seal(b, Tag.INOD, sb.txid);
        dev.write(sb.inodeStart, b, 0);
        try (Image img = Image.open(dev, false)) {
            assertThat(img.digest("f")).isEqualTo(kept);
        }
    }
}
