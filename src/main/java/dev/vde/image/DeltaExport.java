package dev.vde.image;

import dev.vde.delta.DeltaFormat;
import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaWriter;
import dev.vde.delta.DiffStats;
import dev.vde.delta.DiffVisitor;
import dev.vde.delta.SnapshotId;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import dev.vde.io.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the delta from one snapshot of an image to another: the planner runs twice over the
 * metadata, first to count the DATA records the header announces, then to stream the records,
 * reading each shipped extent a MiB at a time. Memory stays flat whatever the delta's size.
 */
public final class DeltaExport {
    /**
     * What was written.
     *
     * @param bytes     bytes of the whole stream
     * @param dataBytes bytes of data in DATA records
     * @param records   records, the header and the end record included
     */
    public record Result(DeltaHeader header, DiffStats stats, long bytes, long dataBytes, long records,
            SnapshotInfo target) {
    }

    private DeltaExport() {
    }

    /**
     * Writes the delta from snapshot {@code from} (null: a full delta) to snapshot {@code to}.
     *
     * @throws dev.vde.error.NotFoundException if a snapshot is missing
     */
    public static Result write(Image img, String from, String to, WritableByteChannel out) throws IOException {
        return write(img, from, to, out, Progress.NONE);
    }

    /** As {@link #write(Image, String, String, WritableByteChannel)}, reporting data bytes shipped to {@code progress}. */
    public static Result write(Image img, String from, String to, WritableByteChannel out, Progress progress)
            throws IOException {
        SnapshotInfo target = img.snapshot(to);
        SnapshotInfo base = from == null ? null : img.snapshot(from);
        int bs = img.device().blockSize();
        Counter count = new Counter(bs);
        img.diff(from, to, count);
        if (count.records > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the delta would hold more than 2^31 data records");
        }
        DeltaHeader header = new DeltaHeader(bs, img.info().uuid(), id(target), base == null ? null : id(base),
                (int) count.records);
        DeltaWriter w = new DeltaWriter(out, header);
        progress.total(count.blocks * bs);
        Shipper shipper = new Shipper(img, w, from == null ? List.of() : img.snapshotFiles(from), progress);
        DiffStats stats;
        try {
            stats = img.diff(from, to, shipper);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        w.finish();
        return new Result(header, stats, w.bytes(), w.dataBytes(), w.records(), target);
    }

    /** A snapshot's identity as a delta carries it. */
    public static SnapshotId id(SnapshotInfo s) {
        return new SnapshotId(s.uuid(), s.name(), s.txid(), s.createdMillis(), s.digest(), s.fileCount(), s.bytes());
    }

    /** Counts the data records the write pass will produce, and the blocks they carry. */
    private static final class Counter implements DiffVisitor {
        private final int bs;
        long records;
        long blocks;

        Counter(int bs) {
            this.bs = bs;
        }

        @Override
        public void extent(long inode, Extent piece) {
            records += DeltaWriter.dataRecords((long) piece.count() * bs);
            blocks += piece.count();
        }
    }

    /**
     * Turns the plan into records: a file of the base is announced (by inode and its base name)
     * before its first change, and extent data is read and written a MiB at a time.
     */
    private static final class Shipper implements DiffVisitor {
        private final Image img;
        private final DeltaWriter w;
        private final int bs;
        private final Map<Long, String> baseNames = new HashMap<>();
        private final Set<Long> announced = new HashSet<>();
        private final ByteBuffer buf = ByteBuffer.allocate(DeltaFormat.MAX_DATA);
        private final Progress progress;

        Shipper(Image img, DeltaWriter w, List<Inode> base, Progress progress) {
            this.img = img;
            this.w = w;
            this.progress = progress;
            this.bs = w.header().blockSize();
            base.forEach(f -> baseNames.put(f.number, f.name));
        }

        private interface Io {
            void run() throws IOException;
        }

        private static void io(Io body) {
            try {
                body.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void touch(long inode) throws IOException {
            if (announced.add(inode)) {
                w.file(inode, baseNames.get(inode));
            }
        }

        @Override
        public void delete(long inode) {
            io(() -> w.delete(inode, baseNames.get(inode)));
        }

        @Override
        public void create(Inode file) {
            announced.add(file.number);
            io(() -> w.newFile(file.number, file.name));
        }

        @Override
        public void rename(long inode, String name) {
            io(() -> {
                touch(inode);
                w.rename(inode, name);
            });
        }

        @Override
        public void size(long inode, long size) {
            io(() -> {
                touch(inode);
                w.size(inode, size);
            });
        }

        @Override
        public void hole(long inode, long offset, long length) {
            io(() -> {
                touch(inode);
                w.hole(inode, offset, length);
            });
        }

        @Override
        public void extent(long inode, Extent piece) {
            io(() -> {
                touch(inode);
                int perChunk = DeltaFormat.MAX_DATA / bs;
                for (long done = 0; done < piece.count(); done += perChunk) {
                    int n = (int) Math.min(perChunk, piece.count() - done);
                    buf.clear();
                    img.readBlocks(piece.start() + done, n, buf);
                    buf.flip();
                    w.data(inode, piece.logical() + done * bs, piece.start() + done, buf);
                    progress.advance((long) n * bs);
                }
            });
        }
    }
}
