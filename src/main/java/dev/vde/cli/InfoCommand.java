package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.image.Image;
import dev.vde.image.ImageInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show an image's format version, uuid, block size, sizes, free space, file count and last txid.",
            "With --json: one object with path, formatVersion, uuid, blockSize, totalBlocks, dataBlocks, freeBlocks, "
                + "usedBlocks, files, snapshots (null when the catalog is unreadable), inodeCapacity, txid, created, imageBytes and regions "
                + "(wal, bitmap, inodes, snap, data: each {start, blocks})."},
        footer = {"%nExamples:",
            "  vde info disk.vde",
            "  vde info disk.vde --json | jq .freeBlocks"})
final class InfoCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Mixin // set here too: the lean path (Lean) builds this command without picocli
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        ImageInfo i;
        try (Image img = open(image, false, lockWait)) {
            i = img.info();
        }
        if (json) {
            try (JsonGenerator g = Json.generator(io())) {
                g.writeStartObject();
                g.writeStringField("path", i.path());
                g.writeNumberField("formatVersion", i.formatVersion());
                g.writeStringField("uuid", i.uuid().toString());
                g.writeNumberField("blockSize", i.blockSize());
                g.writeNumberField("totalBlocks", i.totalBlocks());
                g.writeNumberField("dataBlocks", i.dataBlocks());
                g.writeNumberField("freeBlocks", i.freeBlocks());
                g.writeNumberField("usedBlocks", i.usedBlocks());
                g.writeNumberField("files", i.files());
                if (i.snapshots() < 0) {
                    g.writeNullField("snapshots");
                } else {
                    g.writeNumberField("snapshots", i.snapshots());
                }
                g.writeNumberField("inodeCapacity", i.inodeCapacity());
                g.writeNumberField("txid", i.txid());
                g.writeStringField("created", Instant.ofEpochMilli(i.createdMillis()).toString());
                g.writeNumberField("imageBytes", i.imageBytes());
                g.writeObjectFieldStart("regions");
                region(g, "wal", i.walStart(), i.walBlocks());
                region(g, "bitmap", i.bitmapStart(), i.bitmapBlocks());
                region(g, "inodes", i.inodeStart(), i.inodeBlocks());
                region(g, "snap", i.snapStart(), i.snapBlocks());
                region(g, "data", i.dataStart(), i.totalBlocks() - i.dataStart());
                g.writeEndObject();
                g.writeEndObject();
            }
            return ExitCodes.OK;
        }
        // Concatenation, not printf: java.util.Formatter's first use costs about 20 ms (Human.oneDecimal).
        PrintWriter out = io().out();
        Style style = style();
        long bs = i.blockSize();
        field(out, style, "image:", i.path());
        field(out, style, "format:", "vde image version " + i.formatVersion());
        field(out, style, "uuid:", i.uuid().toString());
        field(out, style, "block size:", Integer.toString(i.blockSize()));
        field(out, style, "size:", Human.bytes(i.imageBytes()) + " (" + i.totalBlocks() + " blocks)");
        field(out, style, "data region:", Human.bytes(i.dataBlocks() * bs) + " (" + i.dataBlocks() + " blocks from block "
                + i.dataStart() + ")");
        field(out, style, "used:", Human.bytes(i.usedBlocks() * bs) + " (" + i.usedBlocks() + " blocks, "
                + Human.oneDecimal(i.dataBlocks() == 0 ? 0.0 : 100.0 * i.usedBlocks() / i.dataBlocks()) + "%)");
        field(out, style, "free:", Human.bytes(i.freeBlocks() * bs) + " (" + i.freeBlocks() + " blocks)");
        field(out, style, "files:", i.files() + " of " + i.inodeCapacity());
        field(out, style, "snapshots:", i.snapshots() < 0 ? "unreadable (run vde fsck)" : Long.toString(i.snapshots()));
        field(out, style, "last txid:", Long.toString(i.txid()));
        field(out, style, "created:", Instant.ofEpochMilli(i.createdMillis()).toString());
        return ExitCodes.OK;
    }

    /** One "label:   value" line; the label coloured, the values aligned in one column. */
    private static void field(PrintWriter out, Style style, String label, String value) {
        out.println(style.tag(label) + " ".repeat(Math.max(1, 16 - label.length())) + value);
    }

    private static void region(JsonGenerator g, String name, long start, long blocks) throws java.io.IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("start", start);
        g.writeNumberField("blocks", blocks);
        g.writeEndObject();
    }
}
