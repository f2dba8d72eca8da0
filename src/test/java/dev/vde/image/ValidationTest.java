package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.format.BlockTrailer;
import dev.vde.format.Checksums;
import dev.vde.format.CorruptImageException;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.format.Tag;
import dev.vde.format.UnsupportedFormatException;
import dev.vde.inode.InodeCodec;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Fsck;
import dev.vde.testutil.Model;
import dev.vde.wal.WalCodec;
import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits and checks of what comes from the caller and from the file. */
class ValidationTest {
    @TempDir
    Path dir;

    private static void write(Image img, String name, long offset, byte[] data) throws Exception {
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
    }

    private static MemoryDevice image() throws Exception {
        MemoryDevice dev = new MemoryDevice(4096, 1024);
        Image.format(dev, 0);
        return dev;
    }

    @Test
    void aWritePastTheLargestFileSizeIsRefusedAndChangesNothing() throws Exception {
        MemoryDevice dev = image();
        try (Image img = Image.open(dev, true)) {
            write(img, "f", 0, "keep".getBytes());
            long txid = img.info().txid();
            // unaligned head block that would end past 2^62
            assertThatThrownBy(() -> write(img, "f", InodeCodec.MAX_FILE_SIZE - 2, "hello".getBytes()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("largest size");
            // aligned body that would run past it
            assertThatThrownBy(() -> write(img, "g", InodeCodec.MAX_FILE_SIZE - 4096, new byte[8192]))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> write(img, "h", Long.MAX_VALUE - 1, "x".getBytes()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(img.info().txid()).as("nothing committed").isEqualTo(txid);
            // exactly up to the limit is allowed
            write(img, "edge", InodeCodec.MAX_FILE_SIZE - 5, "12345".getBytes());
            assertThat(img.stat("edge").size()).isEqualTo(InodeCodec.MAX_FILE_SIZE);
        }
        try (Image img = Image.open(dev, false)) {
            assertThat(img.list()).hasSize(2);
            assertThat(Model.read(img, "f")).isEqualTo("keep".getBytes());
        }
    }

    @Test
    void namesRejectC1ControlCharacters() {
        assertThatThrownBy(() -> Names.validate("a\u0085b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Names.validate("a\u009fb")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Names.validate("ä¡ö")).isEqualTo("ä¡ö");
    }

    @Test
    void anInlineExtentPointingOutsideTheDataRegionIsCorruption() throws Exception {
        MemoryDevice dev = image();
        Superblock sb;
        try (Image img = Image.open(dev, true)) {
            write(img, "f", 0, new byte[100]);
            sb = img.superblock();
        }
        // inode 1 is the first record of the first table block; its first inline extent is at +80
        byte[] b = new byte[4096];
        dev.read(sb.inodeStart, b, 0);
        LE.i64(b, 80, 1);
        BlockTrailer.seal(b, Tag.INOD, sb.txid);
        dev.write(sb.inodeStart, b, 0);
        try (Image img = Image.open(dev, false)) {
            assertThatThrownBy(() -> Model.read(img, "f")).isInstanceOf(CorruptImageException.class)
                    .hasMessageContaining("outside the data region");
        }
    }

    @Test
    void anImageThatNeedsANewerWriterOpensOnlyForReading() throws Exception {
        MemoryDevice dev = image();
        for (long slot = 0; slot < 2; slot++) {
            byte[] b = new byte[4096];
            dev.read(slot, b, 0);
            Superblock s = SuperblockCodec.decode(b, slot);
            s.writeVersion = 2;
            dev.write(slot, SuperblockCodec.encode(s), 0);
        }
        assertThatThrownBy(() -> Image.open(dev, true)).isInstanceOf(UnsupportedFormatException.class)
                .hasMessageContaining("writer of format version 2");
        try (Image img = Image.open(dev, false)) {
            assertThat(img.list()).isEmpty();
        }
    }

    /** A file whose extents live in a one-leaf tree (8 extents that cannot merge). */
    private static Superblock treeFile(MemoryDevice dev) throws Exception {
        try (Image img = Image.open(dev, true)) {
            for (int i = 0; i < 8; i++) {
                write(img, "f", 2L * i * 4096, new byte[4096]);
            }
            assertThat(img.extents("f").tree()).isNotNull();
            return img.superblock();
        }
    }

    private static void rewriteSealed(MemoryDevice dev, long block, Tag tag, java.util.function.Consumer<byte[]> change) {
        byte[] b = new byte[dev.blockSize()];
        dev.read(block, b, 0);
        change.accept(b);
        BlockTrailer.seal(b, tag, 0);
        dev.write(block, b, 0);
    }

    @Test
    void aLeafChainThatLoopsIsCorruptionNotAHang() throws Exception {
        MemoryDevice dev = image();
        Superblock sb = treeFile(dev);
        long root;
        try (Image img = Image.open(dev, false)) {
            root = img.extents("f").tree().root();
        }
        // The only leaf names itself as next and previous sibling.
        rewriteSealed(dev, root, Tag.EXTN, b -> {
            LE.i64(b, 16, root);
            LE.i64(b, 24, root);
        });
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            try (Image img = Image.open(dev, true)) {
                assertThatThrownBy(() -> Model.read(img, "f")).isInstanceOf(CorruptImageException.class)
                        .hasMessageContaining("does not follow");
                assertThatThrownBy(() -> img.remove("f")).isInstanceOf(CorruptImageException.class);
            }
        });
        assertThat(sb.txid).isPositive();
    }

    @Test
    void aTreeRootOutsideTheDataRegionIsCorruption() throws Exception {
        MemoryDevice dev = image();
        Superblock sb = treeFile(dev);
        rewriteSealed(dev, sb.inodeStart, Tag.INOD, b -> LE.i64(b, 24, 1L << 40));
        try (Image img = Image.open(dev, false)) {
            assertThatThrownBy(() -> Model.read(img, "f")).isInstanceOf(CorruptImageException.class)
                    .hasMessageContaining("outside the data region");
        }
    }

    @Test
    void aLogDescriptorChainThatLoopsIsCorruptionNotAHang() throws Exception {
        MemoryDevice dev = image();
        Superblock sb;
        try (Image img = Image.open(dev, false)) {
            sb = img.superblock();
        }
        // A "committed" transaction whose header claims endless descriptors, the first naming itself.
        Superblock next = sb.clone();
        next.txid = sb.txid + 1;
        byte[] superblock = SuperblockCodec.encode(next);
        dev.write(sb.walStart + 2, superblock, 0);
        long checksum = Checksums.xx(superblock, 0, superblock.length);
        dev.write(sb.walStart + 1, WalCodec.encodeDescriptor(new WalCodec.Descriptor(next.txid,
                sb.walStart + 1, new WalCodec.Entry[] {
                    new WalCodec.Entry(next.txid & 1, sb.walStart + 2, checksum)}), 4096), 0);
        dev.write(sb.walStart, WalCodec.encodeHeader(
                new WalCodec.Header(next.txid, 1, sb.walStart + 1, Long.MAX_VALUE), 4096), 0);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                assertThatThrownBy(() -> Image.open(dev, false)).isInstanceOf(CorruptImageException.class));
        // The same chain with a plausible count still loops back to itself.
        dev.write(sb.walStart, WalCodec.encodeHeader(
                new WalCodec.Header(next.txid, 1, sb.walStart + 1, 1), 4096), 0);
        assertThatThrownBy(() -> Image.open(dev, false)).isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("descriptor chain");
    }

    @Test
    void anInvertedRangeIsAUsageError() throws Exception {
        MemoryDevice dev = image();
        try (Image img = Image.open(dev, true)) {
            write(img, "f", 0, new byte[1000]);
            assertThatThrownBy(() -> img.readRange("f", 100, 50, Channels.newChannel(new java.io.ByteArrayOutputStream())))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * A superblock older than the blocks it points to (a newer copy lost, the log no help) must
     * not be read as a mix of two states: blocks written after its txid are refused.
     */
    @Test
    void blocksNewerThanTheSuperblockAreRefused() throws Exception {
        MemoryDevice dev = image();
        byte[] oldCopy = new byte[4096];
        long oldTxid;
        try (Image img = Image.open(dev, true)) {
            write(img, "a", 0, "first".getBytes());
            oldTxid = img.superblock().txid;
            dev.read(oldTxid & 1, oldCopy, 0);
            write(img, "b", 0, "second".getBytes());
            write(img, "a", 0, "third".getBytes());
        }
        Superblock sb = SuperblockCodec.decode(oldCopy, oldTxid & 1);
        dev.write(0, oldCopy, 0);
        dev.write(1, oldCopy, 0);
        dev.write(sb.walStart, WalCodec.encodeHeader(new WalCodec.Header(oldTxid, 0, 0, 0), 4096), 0);
        try (Image img = Image.open(dev, false)) {
            assertThatThrownBy(() -> {
                Model.read(img, "a");
                img.list();
            }).isInstanceOf(CorruptImageException.class).hasMessageContaining("after the superblock's " + oldTxid);
        }
        assertThat(Fsck.check(dev)).contains("after the superblock's");
    }

    @Test
    void aDamagedBlockSizeInCopyAFallsBackToCopyB() throws Exception {
        Path p = dir.resolve("x.vde");
        Image.create(p, 8 << 20, 4096, 0, false);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.seek(16);
            raf.write(new byte[] {0, 2, 0, 0}); // claims 512-byte blocks
        }
        try (Image img = Image.open(p, false)) {
            assertThat(img.superblock().blockSize).isEqualTo(4096);
        }
    }
}
