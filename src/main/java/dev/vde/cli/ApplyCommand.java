package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.delta.ApplyStats;
import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaSource;
import dev.vde.delta.SnapshotId;
import dev.vde.image.ApplyReport;
import dev.vde.image.Image;
import dev.vde.io.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vde apply}: verifies a delta and replays it onto an image as one transaction. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Verify a delta (.rdlt, see rdlt(5)) and apply it to IMAGE, which then holds the delta's "
                + "snapshot with the same uuid, name and txid as the source.",
            "Before anything changes: the block size must match; for an incremental delta the base snapshot must "
                + "be on IMAGE (same uuid and txid) and the live files must equal it (status 5 otherwise; --force "
                + "rolls them back to the base first); a full delta needs an image without snapshots or files "
                + "(--force removes the files). Then the whole stream is read and verified: every record's "
                + "checksum, the end record, and that the records lead from the base to the snapshot (status 7 and "
                + "one line naming the record and byte offset otherwise). A delta from a pipe is first spooled to "
                + "a temporary file beside IMAGE. Only then is it applied, as one transaction that commits only if "
                + "the new snapshot's content digest equals the delta's. A delta that fails any of "
                + "these checks, or whose data alone exceeds the free space, leaves IMAGE byte-for-byte as it was; "
                + "a later failure leaves it at its last commit; a crash leaves it at the base or at the new "
                + "snapshot.",
            "A summary goes to standard error. With --dry-run nothing is written (the image is opened read-only) "
                + "and the summary of what would change goes to standard output. With --json the summary is one "
                + "JSON object on standard output: {\"delta\", \"dryRun\", \"forced\", \"snapshot\", \"base\" (each "
                + "{\"uuid\", \"name\", \"txid\"}; base null for a full delta), \"filesCreated\", \"filesDeleted\", "
                + "\"filesRenamed\", \"filesChanged\", \"dataRecords\", \"dataBytes\", \"holes\", \"holeBytes\", "
                + "\"streamBytes\", \"freeBlocksBefore\", \"digest\"}."},
        footer = {"%nExamples:",
            "  vde apply replica.vde monday.rdlt",
            "  vde diff disk.vde --from mon --to tue | ssh backup vde apply replica.vde -",
            "  vde apply replica.vde tuesday.rdlt --dry-run --json | jq .dataBytes"})
final class ApplyCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to change.")
    Path image;

    @Parameters(index = "1", paramLabel = "DELTA", description = "The delta file, or - for standard input.")
    String delta;

    @Option(names = "--dry-run", description = "Verify the whole delta and report what would change; write nothing.")
    boolean dryRun;

    @Option(names = "--force", description = "Roll the live files back to the base snapshot first if they changed "
            + "since it (for a full delta: remove them).")
    boolean force;

    @Option(names = "--json", description = "Print the summary as one JSON object on standard output.")
    boolean json;

    @Mixin
    ProgressOption progress;

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        boolean stdin = "-".equals(delta);
        if (stdin) {
            checkStdin(true, "");
        }
        String name = stdin ? "stdin" : delta;
        if (!stdin) {
            Path p = Path.of(delta);
            if (Files.isDirectory(p)) {
                throw new FileSystemException(delta, null, "is a directory");
            }
            if (Files.notExists(p)) {
                throw new NoSuchFileException(delta, null, "no such delta file");
            }
        }
        Progress meter = ProgressMeter.open(io(), progress.when, "apply", ProgressMeter.Unit.BYTES);
        // The image first: a busy or missing image answers before a pipe is read.
        try (Image img = open(image, !dryRun, lockWait)) {
            ApplyReport report;
            // A pipe given by name (a FIFO, or /dev/fd/N from <(...)) can be read only once, as stdin.
            boolean seekable = !stdin && Files.isRegularFile(Path.of(delta));
            if (seekable) {
                // Read once to verify, and once more to apply.
                meter.total(Files.size(Path.of(delta)) * (dryRun ? 1 : 2));
                report = img.apply(counted(DeltaSource.of(Path.of(delta), name), meter), force, dryRun);
            } else {
                try (ReadableByteChannel pipe = stdin ? io().inChannel()
                        : FileChannel.open(Path.of(delta), StandardOpenOption.READ)) {
                    if (dryRun) {
                        report = img.apply(counted(once(pipe, name), meter), force, true);
                    } else {
                        try (Spool spool = new Spool(pipe, name, image)) {
                            report = img.apply(counted(spool, meter), force, false);
                        }
                    }
                }
            }
            // Erased before the summary is printed; the close in finally is then a no-op.
            ProgressMeter.close(meter);
            print(report, name);
        } finally {
            ProgressMeter.close(meter);
        }
        return ExitCodes.OK;
    }

    /** {@code source}, with every byte read from it reported to {@code meter}. */
    private static DeltaSource counted(DeltaSource source, Progress meter) {
        return new DeltaSource() {
            @Override
            public ReadableByteChannel open() throws IOException {
                return CountingChannels.reading(source.open(), meter);
            }

            @Override
            public String name() {
                return source.name();
            }
        };
    }

    /** A pipe read once: a dry run reads the stream a single time. */
    private static DeltaSource once(ReadableByteChannel pipe, String name) {
        return new DeltaSource() {
            @Override
            public ReadableByteChannel open() {
                // The caller closes the pipe; the reader's close must not.
                return new ReadableByteChannel() {
                    @Override
                    public int read(java.nio.ByteBuffer dst) throws IOException {
                        return pipe.read(dst);
                    }

                    @Override
                    public boolean isOpen() {
                        return pipe.isOpen();
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private void print(ApplyReport r, String name) throws IOException {
        DeltaHeader h = r.header();
        ApplyStats s = r.stats();
        if (json) {
            try (JsonGenerator g = Json.generator(io())) {
                g.writeStartObject();
                g.writeStringField("delta", name);
                g.writeBooleanField("dryRun", r.dryRun());
                g.writeBooleanField("forced", r.forced());
                identity(g, "snapshot", h.snapshot());
                identity(g, "base", h.base());
                g.writeNumberField("filesCreated", s.created());
                g.writeNumberField("filesDeleted", s.deleted());
                g.writeNumberField("filesRenamed", s.renamed());
                g.writeNumberField("filesChanged", s.changed());
                g.writeNumberField("dataRecords", s.dataRecords());
                g.writeNumberField("dataBytes", s.dataBytes());
                g.writeNumberField("holes", s.holes());
                g.writeNumberField("holeBytes", s.holeBytes());
                g.writeNumberField("streamBytes", r.streamBytes());
                g.writeNumberField("freeBlocksBefore", r.freeBlocks());
                g.writeStringField("digest", h.snapshot().digest().toString());
                g.writeEndObject();
            }
            return;
        }
        String what = String.format("%d created, %d deleted, %d renamed, %d changed; %s of data in %d records, "
                + "%d holes (%s); %s verified", s.created(), s.deleted(), s.renamed(), s.changed(),
                Human.bytes(s.dataBytes()), s.dataRecords(), s.holes(), Human.bytes(s.holeBytes()),
                Human.bytes(r.streamBytes()));
        String from = h.full() ? "a full delta" : "base '" + h.base().name() + "'";
        if (r.dryRun()) {
            PrintWriter out = io().out();
            out.printf("delta %s is valid: snapshot '%s' (uuid %s, txid %d) from %s%n", name, h.snapshot().name(),
                    h.snapshot().uuid(), h.snapshot().txid(), from);
            if (r.forced()) {
                out.println(h.full() ? "the image holds files: --force removes them first"
                        : "the live files changed since '" + h.base().name() + "': --force rolls them back first");
            }
            out.printf("would change: %s%n", what);
            out.printf("free space: %s (%d blocks)%n", Human.bytes(r.freeBlocks() * h.blockSize()), r.freeBlocks());
            return;
        }
        io().err().printf("vde apply: snapshot '%s' from %s%s: %s%n", h.snapshot().name(), from,
                r.forced() ? " (rolled back first)" : "", what);
    }

    private static void identity(JsonGenerator g, String field, SnapshotId id) throws IOException {
        if (id == null) {
            g.writeNullField(field);
            return;
        }
        g.writeObjectFieldStart(field);
        g.writeStringField("uuid", id.uuid().toString());
        g.writeStringField("name", id.name());
        g.writeNumberField("txid", id.txid());
        g.writeEndObject();
    }
}
