package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.format.Tag;
import dev.vde.format.UnsupportedFormatException;
import dev.vde.inode.InodeCodec;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Model;
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
