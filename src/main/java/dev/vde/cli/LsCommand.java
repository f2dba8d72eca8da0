package dev.vde.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List the live files of the image, or those of snapshot S, sorted by name.",
            "With -l: inode, size in bytes, extents, data blocks, last modification (UTC) and name.",
            "With --json: {\"files\": [{\"name\", \"inode\", \"size\", \"extents\", \"blocks\", \"modifyTxid\", "
                + "\"mtime\"}]}."},
        footer = {"%nExamples:",
            "  vde ls disk.vde",
            "  vde ls -l disk.vde",
            "  vde ls disk.vde --snapshot monday",
            "  vde ls disk.vde --json | jq -r '.files[] | select(.size > 1048576) | .name'"})
final class LsCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Option(names = "-l", description = "Long listing.")
    boolean longFormat;

    @Option(names = "--json", description = "Print one JSON document.")
    boolean json;

    @Option(names = "--snapshot", paramLabel = "S", description = "List the files of snapshot S.")
    String snapshot;

    @Mixin // set here too: the lean path (Lean) builds this command without picocli
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        List<FileInfo> files;
        try (Image img = open(image, false, lockWait)) {
            files = img.list(snapshot);
        }
        PrintWriter out = io().out();
        if (json) {
            try (JsonGenerator g = Json.generator(io())) {
                g.writeStartObject();
                g.writeArrayFieldStart("files");
                for (FileInfo f : files) {
                    g.writeStartObject();
                    g.writeStringField("name", f.name());
                    g.writeNumberField("inode", f.inode());
                    g.writeNumberField("size", f.size());
                    g.writeNumberField("extents", f.extents());
                    g.writeNumberField("blocks", f.blocks());
                    g.writeNumberField("modifyTxid", f.modifyTxid());
                    g.writeStringField("mtime", Instant.ofEpochMilli(f.mtimeMillis()).toString());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
        } else if (longFormat) {
            Style style = style();
            for (FileInfo f : files) {
                out.printf("%8d %15d %8d %12d %s %s%n", f.inode(), f.size(), f.extents(), f.blocks(),
                        style.dim(Instant.ofEpochMilli(f.mtimeMillis()).toString().replaceFirst("\\.\\d+Z$", "Z")),
                        style.name(f.name()));
            }
        } else {
            Style style = style();
            for (FileInfo f : files) {
                out.println(style.name(f.name()));
            }
        }
        return ExitCodes.OK;
    }
}
