package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.delta.DeltaFormat;
import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaWriter;
import dev.vde.delta.DiffStats;
import dev.vde.delta.DiffVisitor;
import dev.vde.delta.SnapshotId;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vde diff}: writes the change between two snapshots as a verified .rdlt delta. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Write the change from snapshot S1 to snapshot S2 of IMAGE as a delta (.rdlt, see rdlt(5)); "
                + "without --from, a full delta of S2. Only metadata is compared: files not modified since S1 are "
                + "skipped without walking their extent trees, and ranges both snapshots share are skipped without "
                + "reading them. Memory stays flat for a delta of any size.",
            "The delta goes to FILE (written to FILE.tmp and renamed when complete) or to standard output "
                + "(-o - or no -o; refused when that is a terminal). Statistics go to standard error: extents "
                + "shipped (pieces of extents whose data is in the delta), bytes shipped (the whole stream), data "
                + "bytes, blocks skipped (shared, never read), files skipped (unmodified since S1), compression "
                + "ratio (bytes of S2's files / bytes shipped) and efficiency (data bytes / bytes shipped).",
            "With --json the statistics are one JSON object {\"from\", \"to\", \"extentsShipped\", \"bytesShipped\", "
                + "\"dataBytes\", \"blocksSkipped\", \"filesCreated\", \"filesDeleted\", \"filesRenamed\", "
                + "\"filesUnchanged\", \"filesWalked\", \"holes\", \"records\", \"compressionRatio\", \"efficiency\"}: "
                + "on standard output with -o FILE, else on standard error."},
        footer = {"%nExamples:",
            "  vde diff disk.vde --to monday -o monday.rdlt",
            "  vde diff disk.vde --from monday --to tuesday | ssh backup vde apply replica.vde -",
            "  vde diff disk.vde --from monday --to tuesday -o tue.rdlt --json | jq .bytesShipped"})
final class DiffCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The source image.")
    Path image;

    @Option(names = "--from", paramLabel = "S1", description = "The base snapshot (omit for a full delta).")
    String from;

    @Option(names = "--to", paramLabel = "S2", required = true, description = "The snapshot the delta leads to.")
    String to;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the delta here (- or absent: stdout).")
    String output;

    @Option(names = "--json", description = "Print the statistics as one JSON object.")
    boolean json;

    /** True when the delta goes to standard output (and so the statistics to stderr). */
    private boolean toStdout() {
        return output == null || "-".equals(output);
    }

    @Override
    public Integer call() throws Exception {
        boolean toStdout = toStdout();
        if (toStdout && Style.stdoutIsTerminal(io())) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "refusing to write a binary delta to a terminal (use -o FILE or a pipe)");
        }
        try (Image img = open(image, false)) {
            SnapshotInfo target = img.snapshot(to);
            SnapshotInfo base = from == null ? null : img.snapshot(from);
            // The header announces the data records: a first pass over the metadata counts them.
            int bs = img.info().blockSize();
            Counter count = new Counter(bs);
            img.diff(from, to, count);
            if (count.records > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the delta would hold more than 2^31 data records");
            }
            DeltaHeader header = new DeltaHeader(bs, img.info().uuid(), id(target),
                    base == null ? null : id(base), (int) count.records);
            Path tmp = toStdout ? null : Path.of(output + ".tmp");
            DiffStats stats;
            try (WritableByteChannel out = toStdout ? io().outChannel()
                    : FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING)) {
                DeltaWriter w = new DeltaWriter(out, header);
                Shipper shipper = new Shipper(img, w, from == null ? java.util.List.of() : img.snapshotFiles(from));
                try {
                    stats = img.diff(from, to, shipper);
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                w.finish();
                if (!toStdout) {
                    ((FileChannel) out).force(true);
                }
                report(stats, w, target);
            } catch (IOException | RuntimeException | Error e) {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
                throw e;
            }
            if (tmp != null) {
                Files.move(tmp, Path.of(output), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return ExitCodes.OK;
    }

    private static SnapshotId id(SnapshotInfo s) {
        return new SnapshotId(s.uuid(), s.name(), s.txid(), s.createdMillis(), s.digest(), s.fileCount(), s.bytes());
    }

    private void report(DiffStats st, DeltaWriter w, SnapshotInfo target) throws IOException {
        long shipped = w.bytes();
        double ratio = shipped == 0 ? 0 : (double) target.bytes() / shipped;
        double efficiency = shipped == 0 ? 0 : (double) w.dataBytes() / shipped;
        if (json) {
            java.io.ByteArrayOutputStream doc = new java.io.ByteArrayOutputStream();
            try (JsonGenerator g = Json.generator(doc)) {
                g.writeStartObject();
                g.writeStringField("from", from);
                g.writeStringField("to", to);
                g.writeNumberField("extentsShipped", st.extentsShipped());
                g.writeNumberField("bytesShipped", shipped);
                g.writeNumberField("dataBytes", w.dataBytes());
                g.writeNumberField("blocksSkipped", st.blocksSkipped());
                g.writeNumberField("filesCreated", st.filesCreated());
                g.writeNumberField("filesDeleted", st.filesDeleted());
                g.writeNumberField("filesRenamed", st.filesRenamed());
                g.writeNumberField("filesUnchanged", st.filesUnchanged());
                g.writeNumberField("filesWalked", st.filesWalked());
                g.writeNumberField("holes", st.holes());
                g.writeNumberField("records", w.records());
                g.writeNumberField("compressionRatio", ratio);
                g.writeNumberField("efficiency", efficiency);
                g.writeEndObject();
            }
            String text = doc.toString(java.nio.charset.StandardCharsets.UTF_8);
            if (toStdout()) {
                io().err().print(text);
            } else {
                io().out().print(text);
            }
            return;
        }
        io().err().printf("vde diff: %s -> %s: %d extents shipped, %s shipped (%s data), %d blocks skipped, "
                + "%d files unchanged; compression ratio %.1f, efficiency %.3f%n", from == null ? "(full)" : from, to,
                st.extentsShipped(), Human.bytes(shipped), Human.bytes(w.dataBytes()), st.blocksSkipped(),
                st.filesUnchanged(), ratio, efficiency);
    }

    /** Counts the data records the write pass will produce. */
    private static final class Counter implements DiffVisitor {
        private final int bs;
        long records;

        Counter(int bs) {
            this.bs = bs;
        }

        @Override
        public void delete(long inode) {
        }

        @Override
        public void create(Inode file) {
        }

        @Override
        public void rename(long inode, String name) {
        }

        @Override
        public void size(long inode, long size) {
        }

        @Override
        public void hole(long inode, long offset, long length) {
        }

        @Override
        public void extent(long inode, Extent piece) {
            records += DeltaWriter.dataRecords((long) piece.count() * bs);
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

        Shipper(Image img, DeltaWriter w, java.util.List<Inode> base) {
            this.img = img;
            this.w = w;
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
                }
            });
        }
    }
}
