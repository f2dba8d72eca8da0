package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.image.Image;
import dev.vde.io.Progress;
import dev.vde.image.SnapshotInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vde snapshot create|list|delete|rollback}: image-wide copy-on-write snapshots. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Create, list, delete and roll back image-wide snapshots.",
            "A snapshot freezes every file of the image at once. Taking one costs time in proportion to the "
                + "extents of the image, never to its data: blocks are shared, and a later write to a shared "
                + "block goes to a new one."},
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class,
            SnapshotCommand.Delete.class, SnapshotCommand.Rollback.class},
        footer = {"%nExamples:",
            "  vde snapshot create disk.vde monday",
            "  vde snapshot list disk.vde",
            "  vde snapshot rollback disk.vde monday"})
final class SnapshotCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (create, list, delete or rollback)");
    }

    /** Writes one snapshot as a JSON object (list and create share the shape). */
    static void write(JsonGenerator g, SnapshotInfo s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", s.id());
        g.writeStringField("name", s.name());
        g.writeStringField("uuid", s.uuid().toString());
        g.writeNumberField("txid", s.txid());
        g.writeNumberField("localTxid", s.localTxid());
        g.writeStringField("created", Instant.ofEpochMilli(s.createdMillis()).toString());
        g.writeNumberField("files", s.fileCount());
        g.writeNumberField("bytes", s.bytes());
        g.writeNumberField("extents", s.extentCount());
        g.writeNumberField("dataBlocks", s.dataBlocks());
        g.writeNumberField("metaBlocks", s.metaBlocks());
        g.writeStringField("digest", s.digest().toString());
        g.writeEndObject();
    }

    private static final String JSON_SHAPE = "{\"id\", \"name\", \"uuid\", \"txid\", \"localTxid\", \"created\", \"files\", \"bytes\", "
            + "\"extents\", \"dataBlocks\", \"metaBlocks\", \"digest\"}";

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Freeze every file of IMAGE as snapshot NAME (status 5 if NAME exists).",
                "Prints nothing unless --json is given: then the new snapshot as " + JSON_SHAPE + "."},
            footer = {"%nExamples:",
                "  vde snapshot create disk.vde before-upgrade",
                "  vde snapshot create disk.vde \"$(date +%%F)\"",
                "  vde snapshot create disk.vde nightly --json | jq -r .uuid"})
    static final class Create extends ImageCommand {
        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
        Path image;

        @Parameters(index = "1", paramLabel = "NAME", description = "Name of the new snapshot (1 to 255 bytes of UTF-8).")
        String name;

        @Option(names = "--json", description = "Print the new snapshot as one JSON object.")
        boolean json;

        @Mixin
        ProgressOption progress;

        @Mixin
        WaitOption lockWait = new WaitOption();

        @Override
        public Integer call() throws Exception {
            SnapshotInfo s;
            Progress meter = ProgressMeter.open(io(), progress.when, "snapshot create", ProgressMeter.Unit.EXTENTS);
            try (Image img = open(image, true, lockWait)) {
                s = img.createSnapshot(name, meter);
            } finally {
                ProgressMeter.close(meter);
            }
            if (json) {
                try (JsonGenerator g = Json.generator(io())) {
                    write(g, s);
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the snapshots of IMAGE, oldest first: id, name, txid it was taken at, creation "
                    + "time (UTC), files, total size and content digest.",
                "With --json: {\"snapshots\": [" + JSON_SHAPE + "]}; digest is 32 hex digits, the same on every "
                    + "image holding the same files."},
            footer = {"%nExamples:",
                "  vde snapshot list disk.vde",
                "  vde snapshot list disk.vde --json | jq -r '.snapshots[].name'"})
    static final class ListSnapshots extends ImageCommand {
        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
        Path image;

        @Option(names = "--json", description = "Print one JSON document.")
        boolean json;

        @Mixin
        WaitOption lockWait = new WaitOption();

        @Override
        public Integer call() throws Exception {
            List<SnapshotInfo> all;
            try (Image img = open(image, false, lockWait)) {
                all = img.snapshots();
            }
            if (json) {
                try (JsonGenerator g = Json.generator(io())) {
                    g.writeStartObject();
                    g.writeArrayFieldStart("snapshots");
                    for (SnapshotInfo s : all) {
                        write(g, s);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                return ExitCodes.OK;
            }
            PrintWriter out = io().out();
            if (all.isEmpty()) {
                return ExitCodes.OK;
            }
            int width = Math.max(4, all.stream().mapToInt(s -> s.name().length()).max().orElse(4));
            out.printf("%6s  %-" + width + "s %10s  %-20s %8s %10s  %s%n", "ID", "NAME", "TXID", "CREATED", "FILES",
                    "SIZE", "DIGEST");
            for (SnapshotInfo s : all) {
                out.printf("%6d  %-" + width + "s %10d  %-20s %8d %10s  %s%n", s.id(), s.name(), s.txid(),
                        Instant.ofEpochMilli(s.createdMillis()).toString().replaceFirst("\\.\\d+Z$", "Z"),
                        s.fileCount(), Human.bytes(s.bytes()), s.digest());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete snapshot NAME of IMAGE; blocks that no live file or other snapshot holds become free "
                    + "(status 3 if there is no such snapshot).",
            footer = {"%nExamples:",
                "  vde snapshot delete disk.vde monday",
                "  vde snapshot list disk.vde --json | jq -r '.snapshots[:-7][].name' \\",
                "      | xargs -r -n1 vde snapshot delete disk.vde   # keep the newest 7"})
    static final class Delete extends OnOneSnapshot {
        @Override
        void act(Image img, String snapshot) throws IOException {
            img.deleteSnapshot(snapshot);
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Make the live files of IMAGE exactly those of snapshot NAME, in one transaction: files "
                    + "created since are removed, removed ones come back, changed ones get the snapshot's data.",
                "The snapshot and every other snapshot stay. Status 3 if there is no such snapshot."},
            footer = {"%nExamples:",
                "  vde snapshot rollback disk.vde before-upgrade",
                "  vde snapshot create disk.vde before && vde snapshot rollback disk.vde monday"})
    static final class Rollback extends OnOneSnapshot {
        @Override
        void act(Image img, String snapshot) throws IOException {
            img.rollback(snapshot);
        }
    }

    /** A change to one existing snapshot: {@code IMAGE NAME}, opened for writing. */
    abstract static class OnOneSnapshot extends ImageCommand {
        @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
        Path image;

        @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot.")
        String name;

        abstract void act(Image img, String snapshot) throws IOException;

        @Mixin
        WaitOption lockWait = new WaitOption();

        @Override
        public Integer call() throws Exception {
            try (Image img = open(image, true, lockWait)) {
                act(img, name);
            }
            return ExitCodes.OK;
        }
    }
}
