package dev.vde.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every block device must do. Subclasses supply devices; the mapped one is built with
 * chunks of a few blocks so that bulk transfers cross chunk boundaries.
 */
abstract class BlockDeviceContract {

    /** A fresh, zeroed, writable device. */
    abstract BlockDevice create(int blockSize, long blocks) throws Exception;

    /** The same medium opened again (after close), to see what was stored. */
    abstract BlockDevice reopen(BlockDevice closed) throws Exception;

    @Test
    void newDeviceReadsZeros() throws Exception {
        try (BlockDevice d = create(512, 64)) {
            byte[] b = new byte[512];
            Arrays.fill(b, (byte) 7);
            d.read(63, b, 0);
            assertThat(b).containsOnly(0);
            assertThat(d.blockSize()).isEqualTo(512);
            assertThat(d.blockCount()).isEqualTo(64);
        }
    }

    @Test
    void blocksRoundTripAndPersistAcrossReopen() throws Exception {
        Random rnd = new Random(42);
        byte[][] data = new byte[40][4096];
        BlockDevice d = create(4096, 40);
        for (int i = 0; i < 40; i++) {
            rnd.nextBytes(data[i]);
            d.write(i, data[i], 0);
        }
        d.sync();
        d.close();
        try (BlockDevice r = reopen(d)) {
            byte[] b = new byte[4096];
            for (int i = 0; i < 40; i++) {
                r.read(i, b, 0);
                assertThat(b).as("block %d", i).isEqualTo(data[i]);
            }
        }
    }

    @Test
    void writeUsesTheGivenOffsetOfTheSourceArray() throws Exception {
        try (BlockDevice d = create(512, 8)) {
            byte[] src = new byte[1024];
            Arrays.fill(src, 512, 1024, (byte) 9);
            d.write(3, src, 512);
            byte[] b = new byte[600];
            d.read(3, b, 88);
            assertThat(Arrays.copyOfRange(b, 88, 600)).containsOnly(9);
            assertThat(Arrays.copyOfRange(b, 0, 88)).containsOnly(0);
        }
    }

    @Test
    void fillAndDrainCrossChunkBoundaries() throws Exception {
        try (BlockDevice d = create(512, 256)) {
            byte[] data = new byte[100 * 512 + 77];
            new Random(7).nextBytes(data);
            long n = d.fill(Channels.newChannel(new ByteArrayInputStream(data)), 5, 200L * 512);
            assertThat(n).as("bytes stored stops at end of stream").isEqualTo(data.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            d.drain(5, data.length, Channels.newChannel(out));
            assertThat(out.toByteArray()).isEqualTo(data);
            byte[] b = new byte[512];
            d.read(4, b, 0);
            assertThat(b).as("block before the fill is untouched").containsOnly(0);
        }
    }

    @Test
    void fillStopsAtTheRequestedLength() throws Exception {
        try (BlockDevice d = create(512, 64)) {
            byte[] data = new byte[20 * 512];
            Arrays.fill(data, (byte) 1);
            ByteArrayInputStream in = new ByteArrayInputStream(data);
            assertThat(d.fill(Channels.newChannel(in), 0, 3 * 512)).isEqualTo(3 * 512);
            assertThat(in.available()).as("nothing read past the length").isEqualTo(17 * 512);
            byte[] b = new byte[512];
            d.read(3, b, 0);
            assertThat(b).containsOnly(0);
        }
    }

    @Test
    void fillFromAFileChannelStartsAtItsPositionAndAdvancesIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        byte[] data = new byte[7 * 512 + 300];
        new Random(3).nextBytes(data);
        java.nio.file.Path src = java.nio.file.Files.write(tmp.resolve("src"), data);
        try (BlockDevice d = create(512, 64);
                java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(src)) {
            in.position(1000);
            long n = d.fill(in, 2, 40L * 512);
            assertThat(n).as("stops at end of file").isEqualTo(data.length - 1000);
            assertThat(in.position()).isEqualTo(data.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            d.drain(2, n, Channels.newChannel(out));
            assertThat(out.toByteArray()).isEqualTo(Arrays.copyOfRange(data, 1000, data.length));
            in.position(0);
            assertThat(d.fill(in, 30, 512)).as("stops at the length").isEqualTo(512);
            assertThat(in.position()).isEqualTo(512);
        }
    }

    @Test
    void fillFromACharacterDeviceReadsItsStream() throws Exception {
        java.nio.file.Path zero = java.nio.file.Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(zero), "no /dev/zero here");
        try (BlockDevice d = create(512, 64);
                java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(zero)) {
            byte[] ones = new byte[512];
            Arrays.fill(ones, (byte) 1);
            d.write(4, ones, 0);
            // A device reports size 0: it must still be read, not taken for an empty file.
            assertThat(d.fill(in, 3, 3 * 512)).isEqualTo(3 * 512);
            byte[] b = new byte[512];
            d.read(4, b, 0);
            assertThat(b).containsOnly(0);
        }
    }

    @Test
    void outOfRangeAccessIsRefused() throws Exception {
        try (BlockDevice d = create(512, 16)) {
            byte[] b = new byte[512];
            assertThatThrownBy(() -> d.read(16, b, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.write(-1, b, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.drain(15, 2 * 512, Channels.newChannel(new ByteArrayOutputStream())))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
