package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.delta.DiffStats;
import dev.vde.image.DeltaExport;
import dev.vde.image.Image;
import dev.vde.io.Progress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vde diff}: writes the change between two snapshots as a verified .rdlt delta. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        header = "Write the change between two snapshots as a verified delta (.rdlt).",
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
            "  vde diff disk.vde --from mon --to tue | ssh backup vde apply replica.vde -",
            "  vde diff disk.vde --from mon --to tue -o tue.rdlt --json | jq .bytesShipped"})
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

    @Mixin
    ProgressOption progress;

    /** True when the delta goes to standard output (and so the statistics to stderr). */
    private boolean toStdout() {
        return output == null || "-".equals(output);
    }

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        boolean toStdout = toStdout();
        if (toStdout && Style.stdoutIsTerminal(io())) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "refusing to write a binary delta to a terminal (use -o FILE or a pipe)");
        }
        try (Image img = open(image, false, lockWait)) {
            img.snapshot(to);
            if (from != null) {
                img.snapshot(from);
            }
            Path tmp = toStdout ? null : Path.of(output + ".tmp");
            try (WritableByteChannel out = toStdout ? io().outChannel()
                    : FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING)) {
                Progress meter = ProgressMeter.open(io(), progress.when, "diff", ProgressMeter.Unit.BYTES);
                DeltaExport.Result result;
                try {
                    result = DeltaExport.write(img, from, to, out, meter);
                } finally {
                    ProgressMeter.close(meter);
                }
                if (!toStdout) {
                    ((FileChannel) out).force(true);
                }
                report(result);
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

    private void report(DeltaExport.Result r) throws IOException {
        DiffStats st = r.stats();
        long shipped = r.bytes();
        double ratio = shipped == 0 ? 0 : (double) r.target().bytes() / shipped;
        double efficiency = shipped == 0 ? 0 : (double) r.dataBytes() / shipped;
        if (json) {
            java.io.ByteArrayOutputStream doc = new java.io.ByteArrayOutputStream();
            try (JsonGenerator g = Json.generator(doc)) {
                g.writeStartObject();
                g.writeStringField("from", from);
                g.writeStringField("to", to);
                g.writeNumberField("extentsShipped", st.extentsShipped());
                g.writeNumberField("bytesShipped", shipped);
                g.writeNumberField("dataBytes", r.dataBytes());
                g.writeNumberField("blocksSkipped", st.blocksSkipped());
                g.writeNumberField("filesCreated", st.filesCreated());
                g.writeNumberField("filesDeleted", st.filesDeleted());
                g.writeNumberField("filesRenamed", st.filesRenamed());
                g.writeNumberField("filesUnchanged", st.filesUnchanged());
                g.writeNumberField("filesWalked", st.filesWalked());
                g.writeNumberField("holes", st.holes());
                g.writeNumberField("records", r.records());
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
                st.extentsShipped(), Human.bytes(shipped), Human.bytes(r.dataBytes()), st.blocksSkipped(),
                st.filesUnchanged(), ratio, efficiency);
    }
}
