package dev.vde.delta;

import static dev.vde.delta.DeltaSamples.data;
import static dev.vde.delta.DeltaSamples.full;
import static dev.vde.delta.DeltaSamples.incremental;
import static dev.vde.delta.DeltaSamples.readAll;
import static dev.vde.delta.DeltaSamples.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.End;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.format.LE;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every record kind through {@link DeltaWriter} and {@link DeltaReader}, and what the writer refuses. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeltaRoundTripTest {
    @ParameterizedTest
    @ValueSource(ints = {512, 4096, 65536})
    void everyKindRoundTrips(int bs) throws IOException {
        List<DeltaRecord> records = DeltaSamples.everyKind(bs);
        DeltaSamples.Stream s = write(incremental(bs, 1), records);
        List<DeltaRecord> read = readAll(s.bytes());
        assertThat(read.subList(0, records.size())).isEqualTo(records);
        End end = (End) read.get(records.size());
        assertThat(read).hasSize(records.size() + 1);
        assertThat(end.recordCount()).isEqualTo(records.size() + 2);
        assertThat(end.streamBytes()).isEqualTo(s.bytes().length);
        assertThat(end.dataBytes()).isEqualTo(bs);
        // sizes of the layout: header, then frame + body + checksum (+ data)
        // DELE 34, FILE "old name" 38, MOVE 33, SIZE 32, FILE "new.txt" 37, SIZE 32, DATA 60 + bs, HOLE 40, END 48
        long[] expect = {0, 712, 746, 784, 817, 849, 886, 918, 918 + 60 + bs};
        assertThat(Arrays.copyOf(s.starts(), expect.length)).containsExactly(expect);
        assertThat(s.bytes().length).isEqualTo(712 + 34 + 38 + 33 + 32 + 37 + 32 + 60 + bs + 40 + 48);
    }

    @Test
    void theHeaderRoundTripsWithEveryField() throws IOException {
        String longName = "é".repeat(127) + "x"; // 255 bytes of UTF-8
        SnapshotId to = new SnapshotId(new java.util.UUID(-1, 1), longName, Long.MAX_VALUE, -5,
                new dev.vde.inode.FileDigest(-1, Long.MIN_VALUE), Long.MAX_VALUE, 0);
        SnapshotId base = DeltaSamples.snapshot("a", 1);
        for (DeltaHeader h : List.of(new DeltaHeader(1024, DeltaSamples.SOURCE, to, base, 0),
                new DeltaHeader(65536, DeltaSamples.SOURCE, to, null, 0))) {
            byte[] b = write(h, List.of()).bytes();
            DeltaReader r = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(b)), null);
            assertThat(r.header()).isEqualTo(h);
            assertThat(LE.be32(b, 0)).isEqualTo(DeltaFormat.MAGIC);
            assertThat(LE.i64(b, 6)).isEqualTo(h.sinceTxId());
            assertThat(LE.i64(b, 14)).isEqualTo(h.untilTxId());
            assertThat(LE.i32(b, 22)).isZero();
        }
    }

    @Test
    void emptyDeltasHoldTheHeaderAndTheEndRecord() throws IOException {
        for (DeltaHeader h : List.of(full(4096, 0), incremental(4096, 0))) {
            byte[] b = write(h, List.of()).bytes();
            assertThat(b).hasSize(712 + 48);
            DeltaReader.Summary s = DeltaReader.verifyAll(Channels.newChannel(new ByteArrayInputStream(b)), null);
            assertThat(s.records()).isEqualTo(2);
            assertThat(s.dataRecords()).isZero();
            assertThat(s.streamBytes()).isEqualTo(760);
            assertThat(s.header()).isEqualTo(h);
        }
    }

    @Test
    void theReaderReportsPositionsAndEndsWithNull() throws IOException {
        DeltaSamples.Stream s = DeltaSamples.small();
        DeltaReader r = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(s.bytes())), null);
        assertThat(r.recordNumber()).isZero();
        assertThat(r.position()).isEqualTo(712);
        assertThatThrownBy(r::summary).isInstanceOf(IllegalStateException.class);
        int k = 0;
        for (DeltaRecord rec = r.next(); rec != null; rec = r.next()) {
            k++;
            assertThat(r.recordNumber()).isEqualTo(k);
            assertThat(r.recordOffset()).isEqualTo(s.starts()[k]);
            assertThat(r.position()).isEqualTo(s.starts()[k + 1]);
        }
        assertThat(k).isEqualTo(9);
        assertThat(r.next()).isNull();
        assertThat(r.summary().records()).isEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 255, 256, 257, 512, 1000})
    void largeExtentsAreSplitAtOneMebibyte(int blocks) throws IOException {
        int bs = 4096;
        ByteBuffer data = data(bs, blocks, blocks);
        data.position(0);
        int records = (int) DeltaWriter.dataRecords((long) blocks * bs);
        assertThat(records).isEqualTo((blocks + 255) / 256);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeltaWriter w = new DeltaWriter(Channels.newChannel(out), full(bs, records));
        w.newFile(1, "big");
        w.data(1, 10L * bs, 1000, data);
        assertThat(data.position()).isZero();
        w.finish();
        List<DeltaRecord> read = readAll(out.toByteArray());
        assertThat(read).hasSize(records + 2);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int i = 0; i < records; i++) {
            Data d = (Data) read.get(1 + i);
            assertThat(d.logicalOffset()).isEqualTo(10L * bs + (long) i * DeltaFormat.MAX_DATA);
            assertThat(d.startBlock()).isEqualTo(1000 + i * 256L);
            assertThat(d.dataLength()).isEqualTo(Math.min(DeltaFormat.MAX_DATA, blocks * bs - i * DeltaFormat.MAX_DATA));
            assertThat(d.blockCount()).isEqualTo(d.dataLength() / bs);
            joined.write(d.data().array(), 0, d.dataLength());
        }
        assertThat(joined.toByteArray()).isEqualTo(data.array());
    }

    @Test
    void fileWithHolesRoundTrips() throws IOException {
        int bs = 512;
        List<DeltaRecord> records = new ArrayList<>();
        records.add(new File(9, true, "sparse"));
        records.add(new Size(9, 1L << 40));
        records.add(new Data(9, 0, 2, 0, data(bs, 2, 1)));
        records.add(new Hole(9, 2 * bs, 1L << 30));
        records.add(new Data(9, (1L << 30) + 2 * bs, 1, 77, data(bs, 1, 2)));
        records.add(new Hole(9, (1L << 40) - bs, bs));
        records.add(new Hole(9, DeltaFormat.MAX_FILE_SIZE - bs, bs));
        assertThat(readAll(write(full(bs, 2), records).bytes()).subList(0, records.size())).isEqualTo(records);
    }

    @Test
    void theWriterRefusesWhatTheFormatDoesNotAllow() throws IOException {
        DeltaWriter w = new DeltaWriter(Channels.newChannel(new ByteArrayOutputStream()), full(512, 1));
        assertThatThrownBy(() -> w.newFile(0, "x")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inode");
        assertThatThrownBy(() -> w.newFile(1, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.rename(1, "a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.delete(1, "x".repeat(256))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.size(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.size(1, DeltaFormat.MAX_FILE_SIZE + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.hole(1, 100, 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.hole(1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.hole(1, DeltaFormat.MAX_FILE_SIZE, 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.data(1, 0, 0, ByteBuffer.allocate(100))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.write(new Data(1, 0, 2, 0, ByteBuffer.allocate(512))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.write(new Data(1, 0, 4096, 0, ByteBuffer.allocate(4096 * 512))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.write(new End(2, 760, 0, 0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("announced 1");
        w.data(1, 0, 0, ByteBuffer.allocate(512));
        assertThatThrownBy(() -> w.data(1, 512, 0, ByteBuffer.allocate(512))).isInstanceOf(IllegalStateException.class);
        w.finish();
        assertThatThrownBy(() -> w.size(1, 0)).isInstanceOf(IllegalStateException.class);
        // nothing refused reached the stream: it reads back as one DATA record
        assertThat(w.records()).isEqualTo(3);
    }

    @Test
    void theWriterRefusesABadHeader() {
        SnapshotId s = DeltaSamples.snapshot("s", 1);
        for (DeltaHeader h : List.of(new DeltaHeader(1000, DeltaSamples.SOURCE, s, null, 0),
                new DeltaHeader(256, DeltaSamples.SOURCE, s, null, 0),
                new DeltaHeader(512, DeltaSamples.SOURCE, s, null, -1),
                new DeltaHeader(2, 512, DeltaSamples.SOURCE, s, null, 0),
                new DeltaHeader(512, DeltaSamples.SOURCE, DeltaSamples.snapshot("", 1), null, 0),
                new DeltaHeader(512, DeltaSamples.SOURCE, DeltaSamples.snapshot("s", -1), null, 0))) {
            assertThatThrownBy(() -> new DeltaWriter(Channels.newChannel(new ByteArrayOutputStream()), h))
                    .as("%s", h).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * 64 MiB through a pipe: the writer streams, and the reader's thread allocates a bounded amount
     * (its buffers), not the size of the stream.
     */
    @Test
    void aLargeDeltaStreamsThroughAPipeInBoundedMemory() throws Exception {
        int bs = 4096;
        int extents = 64;
        Pipe pipe = Pipe.open();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (var sink = pipe.sink()) {
                DeltaWriter w = new DeltaWriter(sink, full(bs, extents));
                w.newFile(1, "big");
                ByteBuffer mib = data(bs, 256, 3);
                for (int i = 0; i < extents; i++) {
                    w.data(1, (long) i * DeltaFormat.MAX_DATA, i, mib);
                }
                w.finish();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        DeltaReader.Summary s;
        try (var source = pipe.source()) {
            s = DeltaReader.verifyAll(source, "pipe");
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        writer.get(30, TimeUnit.SECONDS);
        assertThat(s.dataBytes()).isEqualTo(64L << 20);
        assertThat(s.dataRecords()).isEqualTo(extents);
        assertThat(allocated).as("bytes allocated by the reader").isLessThan(4L << 20);
    }
}
