package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.image.Image;
import dev.vde.image.ImageInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show an image's format version, uuid, block size, sizes, free space, file count and last txid.",
            "With --json: one object with formatVersion, uuid, blockSize, totalBlocks, dataBlocks, freeBlocks, "
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

    @Override
    public Integer call() throws Exception {
        ImageInfo i;
        try (Image img = open(image, false)) {
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
        long bs = i.blockSize();
        out.println("image:          " + i.path());
        out.println("format:         vde image version " + i.formatVersion());
        out.println("uuid:           " + i.uuid());
        out.println("block size:     " + i.blockSize());
        out.println("size:           " + Human.bytes(i.imageBytes()) + " (" + i.totalBlocks() + " blocks)");
        out.println("data region:    " + Human.bytes(i.dataBlocks() * bs) + " (" + i.dataBlocks() + " blocks from block "
                + i.dataStart() + ")");
        out.println("used:           " + Human.bytes(i.usedBlocks() * bs) + " (" + i.usedBlocks() + " blocks, "
                + Human.oneDecimal(i.dataBlocks() == 0 ? 0.0 : 100.0 * i.usedBlocks() / i.dataBlocks()) + "%)");
        out.println("free:           " + Human.bytes(i.freeBlocks() * bs) + " (" + i.freeBlocks() + " blocks)");
        out.println("files:          " + i.files() + " of " + i.inodeCapacity());
        out.println("snapshots:      " + (i.snapshots() < 0 ? "unreadable (run vde fsck)" : i.snapshots()));
        out.println("last txid:      " + i.txid());
        out.println("created:        " + Instant.ofEpochMilli(i.createdMillis()));
        return ExitCodes.OK;
    }

    private static void region(JsonGenerator g, String name, long start, long blocks) throws java.io.IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("start", start);
        g.writeNumberField("blocks", blocks);
        g.writeEndObject();
    }
}
