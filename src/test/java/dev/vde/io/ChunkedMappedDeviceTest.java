package dev.vde.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mapped device with 4 KiB chunks: every multi-block transfer crosses a chunk boundary. */
class ChunkedMappedDeviceTest extends BlockDeviceContract {
    private static final int TINY_CHUNK_SHIFT = 12;

    @TempDir
    Path dir;
    private final List<FileChannel> channels = new ArrayList<>();
    private int files;

    @AfterEach
    void closeChannels() throws Exception {
        for (FileChannel c : channels) {
            c.close();
        }
    }

    @Override
    BlockDevice create(int blockSize, long blocks) throws Exception {
        Path p = dir.resolve("dev" + files++);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(blocks * blockSize);
        }
        return open(p, blockSize, blocks);
    }

    private BlockDevice open(Path p, int blockSize, long blocks) throws Exception {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channels.add(ch);
        return new ChunkedMappedDevice(p, ch, true, blockSize, blocks, Math.max(TINY_CHUNK_SHIFT,
                Integer.numberOfTrailingZeros(blockSize)));
    }

    @Override
    BlockDevice reopen(BlockDevice closed) throws Exception {
        ChunkedMappedDevice d = (ChunkedMappedDevice) closed;
        return open(d.path(), d.blockSize(), d.blockCount());
    }

    @Test
    void deviceLargerThanTwoGibibytesAddressesItsLastBlock() throws Exception {
        long blocks = (3L << 30) / 4096;
        try (BlockDevice d = new ChunkedMappedDevice(dir.resolve("big"), open3g(), true, 4096, blocks,
                ChunkedMappedDevice.DEFAULT_CHUNK_SHIFT)) {
            byte[] b = new byte[4096];
            b[0] = 1;
            b[4095] = 2;
            d.write(blocks - 1, b, 0);
            byte[] r = new byte[4096];
            d.read(blocks - 1, r, 0);
            assertThat(r).isEqualTo(b);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            d.drain(blocks - 1, 4096, Channels.newChannel(out));
            assertThat(out.toByteArray()).isEqualTo(b);
        }
    }

    private FileChannel open3g() throws Exception {
        Path p = dir.resolve("big");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(3L << 30);
        }
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        channels.add(ch);
        return ch;
    }
}
