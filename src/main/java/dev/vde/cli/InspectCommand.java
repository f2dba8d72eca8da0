package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.delta.CorruptDeltaException;
import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaReader;
import dev.vde.delta.DeltaRecord;
import dev.vde.delta.DeltaValidator;
import dev.vde.delta.SnapshotId;
import dev.vde.format.UnsupportedFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vde inspect}: verifies a delta stream and prints it record by record. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Verify a delta (.rdlt, see rdlt(5)) and print its header, the two snapshots it "
                + "leads from and to, one line per record and a summary.",
            "Each record is printed once its checksum, its fields, its data and its place in the order of records "
                + "(rdlt(5), ORDER OF RECORDS; what needs the base's files is checked by apply --dry-run) are "
                + "verified; the end record "
                + "once the record count, the stream length and the checksum over the whole stream match and "
                + "nothing follows it. The status is 0 only if the whole stream is valid. At the first fault, "
                + "inspect stops with status 7 and one line on stderr naming the record (the header is record 0) "
                + "and the byte offset at which it starts; the records before it have been printed.",
            "With --json: one document {\"header\": {...}, \"records\": [...], \"summary\": {...}}; header holds "
                + "magic, version, sinceTxId, untilTxId, extentCount, full, blockSize, sourceImage, snapshot and "
                + "base (null for a full delta; each {uuid, name, txid, created, digest, files, bytes}); each record "
                + "holds record, position, type and its fields; summary holds records, extents, dataBytes and "
                + "streamBytes. An invalid stream still gives a whole document, with summary null, the records "
                + "verified before the fault, and \"error\": {record, position, message}."},
        footer = {"%nExamples:",
            "  vde inspect monday.rdlt",
            "  gunzip -c monday.rdlt.gz | vde inspect - > /dev/null && echo intact",
            "  vde inspect monday.rdlt --json | jq '[.records[].dataLength // 0] | add'"})
final class InspectCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "DELTA", description = "The delta file, or - for standard input.")
    String delta;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        boolean stdin = "-".equals(delta);
        if (stdin) {
            checkStdin(true, "");
        }
        if (!stdin && Files.isDirectory(Path.of(delta))) {
            throw new FileSystemException(delta, null, "is a directory");
        }
        try (ReadableByteChannel in = stdin ? io().inChannel() : FileChannel.open(Path.of(delta), StandardOpenOption.READ)) {
            Printer p = json ? new JsonPrinter(Json.generator(io())) : new TextPrinter(io().out(), stdin ? "stdin" : delta);
            try {
                DeltaReader r = new DeltaReader(in, stdin ? "stdin" : delta);
                p.header(r.header());
                // The order of records too; what needs the base's files is for apply --dry-run.
                DeltaValidator v = new DeltaValidator(r, null, Long.MAX_VALUE);
                for (DeltaRecord rec = v.next(); rec != null; rec = v.next()) {
                    p.record(r.recordNumber(), r.recordOffset(), rec);
                }
                p.summary(r.summary());
            } catch (CorruptDeltaException | UnsupportedFormatException e) {
                p.error(e);
                throw e;
            } finally {
                p.close();
            }
        }
        return ExitCodes.OK;
    }

    /** The two outputs: text lines as records are verified, or one JSON document. */
    private interface Printer {
        void header(DeltaHeader h) throws IOException;

        void record(long number, long position, DeltaRecord r) throws IOException;

        void summary(DeltaReader.Summary s) throws IOException;

        void error(RuntimeException e) throws IOException;

        void close() throws IOException;
    }

    private static final class TextPrinter implements Printer {
        private final PrintWriter out;
        private final String name;

        TextPrinter(PrintWriter out, String name) {
            this.out = out;
            this.name = name;
        }

        @Override
        public void header(DeltaHeader h) {
            out.printf("delta:         %s%n", name);
            out.printf("format:        rdlt version %d, %s%n", h.version(), h.full() ? "full" : "incremental");
            out.printf("block size:    %d%n", h.blockSize());
            out.printf("source image:  %s%n", h.sourceImage());
            out.printf("snapshot:      %s%n", identity(h.snapshot()));
            out.printf("base:          %s%n", h.full() ? "none (full delta)" : identity(h.base()));
            out.printf("txids:         since %d, until %d%n", h.sinceTxId(), h.untilTxId());
            out.printf("extents:       %s%n", plural(h.extentCount(), "DATA record"));
            out.printf("%n%8s %12s  %-4s %10s  %s%n", "RECORD", "POSITION", "TYPE", "INODE", "DETAILS");
            out.flush();
        }

        private static String identity(SnapshotId s) {
            return String.format("%s (uuid %s, txid %d, created %s, %d files, %s, digest %s)", s.name(), s.uuid(),
                    s.txid(), Instant.ofEpochMilli(s.createdMillis()), s.fileCount(), Human.bytes(s.bytes()), s.digest());
        }

        @Override
        public void record(long number, long position, DeltaRecord r) {
            String details;
            if (r instanceof DeltaRecord.File) {
                DeltaRecord.File f = (DeltaRecord.File) r;
                details = (f.created() ? "new " : "") + quote(f.name());
            } else if (r instanceof DeltaRecord.Move) {
                details = "to " + quote(((DeltaRecord.Move) r).name());
            } else if (r instanceof DeltaRecord.Delete) {
                details = quote(((DeltaRecord.Delete) r).name());
            } else if (r instanceof DeltaRecord.Size) {
                details = "size " + ((DeltaRecord.Size) r).size();
            } else if (r instanceof DeltaRecord.Hole) {
                DeltaRecord.Hole h = (DeltaRecord.Hole) r;
                details = "offset " + h.offset() + ", length " + h.length();
            } else if (r instanceof DeltaRecord.Data) {
                DeltaRecord.Data d = (DeltaRecord.Data) r;
                details = "offset " + d.logicalOffset() + ", " + plural(d.blockCount(), "block") + " (source block "
                        + d.startBlock() + "), " + d.dataLength() + " data bytes";
            } else {
                DeltaRecord.End e = (DeltaRecord.End) r;
                details = e.recordCount() + " records, " + e.streamBytes() + " bytes, " + e.dataBytes()
                        + " data bytes, stream checksum " + String.format("%016x", e.streamChecksum());
            }
            String inode = r instanceof DeltaRecord.End ? "" : Long.toString(r.inode());
            out.printf("%8d %12d  %-4s %10s  %s%n", number, position, r.type().label(), inode, details);
        }

        private static String plural(long n, String what) {
            return n + " " + what + (n == 1 ? "" : "s");
        }

        private static String quote(String name) {
            return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }

        @Override
        public void summary(DeltaReader.Summary s) {
            out.printf("%nsummary:       %s, %s, %d data bytes (%s), %d stream bytes (%s): valid%n",
                    plural(s.records(), "record"), plural(s.dataRecords(), "extent"), s.dataBytes(),
                    Human.bytes(s.dataBytes()), s.streamBytes(), Human.bytes(s.streamBytes()));
        }

        @Override
        public void error(RuntimeException e) {
            // the error itself goes to stderr as one line, like every other error
        }

        @Override
        public void close() {
            out.flush();
        }
    }

    private static final class JsonPrinter implements Printer {
        private final JsonGenerator g;
        private boolean headerWritten;
        /** The document can be closed: the summary or the error is written. */
        private boolean complete;

        JsonPrinter(JsonGenerator g) throws IOException {
            this.g = g;
            g.writeStartObject();
        }

        @Override
        public void header(DeltaHeader h) throws IOException {
            g.writeObjectFieldStart("header");
            g.writeStringField("magic", "RDLT");
            g.writeNumberField("version", h.version());
            g.writeNumberField("sinceTxId", h.sinceTxId());
            g.writeNumberField("untilTxId", h.untilTxId());
            g.writeNumberField("extentCount", h.extentCount());
            g.writeBooleanField("full", h.full());
            g.writeNumberField("blockSize", h.blockSize());
            g.writeStringField("sourceImage", h.sourceImage().toString());
            identity("snapshot", h.snapshot());
            identity("base", h.base());
            g.writeEndObject();
            g.writeArrayFieldStart("records");
            headerWritten = true;
        }

        private void identity(String field, SnapshotId s) throws IOException {
            if (s == null) {
                g.writeNullField(field);
                return;
            }
            g.writeObjectFieldStart(field);
            g.writeStringField("uuid", s.uuid().toString());
            g.writeStringField("name", s.name());
            g.writeNumberField("txid", s.txid());
            g.writeStringField("created", Instant.ofEpochMilli(s.createdMillis()).toString());
            g.writeStringField("digest", s.digest().toString());
            g.writeNumberField("files", s.fileCount());
            g.writeNumberField("bytes", s.bytes());
            g.writeEndObject();
        }

        @Override
        public void record(long number, long position, DeltaRecord r) throws IOException {
            g.writeStartObject();
            g.writeNumberField("record", number);
            g.writeNumberField("position", position);
            g.writeStringField("type", r.type().label());
            if (!(r instanceof DeltaRecord.End)) {
                g.writeNumberField("inode", r.inode());
            }
            if (r instanceof DeltaRecord.File) {
                DeltaRecord.File f = (DeltaRecord.File) r;
                g.writeBooleanField("new", f.created());
                g.writeStringField("name", f.name());
            } else if (r instanceof DeltaRecord.Move) {
                g.writeStringField("name", ((DeltaRecord.Move) r).name());
            } else if (r instanceof DeltaRecord.Delete) {
                g.writeStringField("name", ((DeltaRecord.Delete) r).name());
            } else if (r instanceof DeltaRecord.Size) {
                g.writeNumberField("size", ((DeltaRecord.Size) r).size());
            } else if (r instanceof DeltaRecord.Hole) {
                DeltaRecord.Hole h = (DeltaRecord.Hole) r;
                g.writeNumberField("offset", h.offset());
                g.writeNumberField("length", h.length());
            } else if (r instanceof DeltaRecord.Data) {
                DeltaRecord.Data d = (DeltaRecord.Data) r;
                g.writeNumberField("offset", d.logicalOffset());
                g.writeNumberField("blocks", d.blockCount());
                g.writeNumberField("startBlock", d.startBlock());
                g.writeNumberField("dataLength", d.dataLength());
            } else {
                DeltaRecord.End e = (DeltaRecord.End) r;
                g.writeNumberField("recordCount", e.recordCount());
                g.writeNumberField("streamBytes", e.streamBytes());
                g.writeNumberField("dataBytes", e.dataBytes());
                g.writeStringField("streamChecksum", String.format("%016x", e.streamChecksum()));
            }
            g.writeEndObject();
        }

        @Override
        public void summary(DeltaReader.Summary s) throws IOException {
            g.writeEndArray();
            g.writeObjectFieldStart("summary");
            g.writeNumberField("records", s.records());
            g.writeNumberField("extents", s.dataRecords());
            g.writeNumberField("dataBytes", s.dataBytes());
            g.writeNumberField("streamBytes", s.streamBytes());
            g.writeEndObject();
            complete = true;
        }

        @Override
        public void error(RuntimeException e) throws IOException {
            if (!headerWritten) {
                g.writeNullField("header");
                g.writeArrayFieldStart("records");
            }
            g.writeEndArray();
            g.writeNullField("summary");
            g.writeObjectFieldStart("error");
            long record = e instanceof CorruptDeltaException ? ((CorruptDeltaException) e).record() : 0;
            long position = e instanceof CorruptDeltaException ? ((CorruptDeltaException) e).offset() : 0;
            g.writeNumberField("record", record);
            g.writeNumberField("position", position);
            g.writeStringField("message", ExitCodes.classify(e).message());
            g.writeEndObject();
            complete = true;
        }

        /** Ends the document; after an I/O error (status 8) it stays cut where the error came. */
        @Override
        public void close() throws IOException {
            if (complete) {
                g.writeEndObject();
                g.close();
            } else {
                g.flush();
            }
        }
    }
}
