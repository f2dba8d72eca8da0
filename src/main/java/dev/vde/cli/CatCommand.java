package dev.vde.cli;

import dev.vde.image.Image;
import dev.vde.io.Progress;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "cat", mixinStandardHelpOptions = true,
        description = "Write the bytes of file NAME (of the live files, or of snapshot S) to standard output; "
                + "holes read as zeros.",
        footer = {"%nExamples:",
            "  vde cat disk.vde notes.txt",
            "  vde cat disk.vde notes.txt --snapshot monday > notes-monday.txt",
            "  vde cat disk.vde docs.tar | tar x",
            "  vde cat disk.vde vm.raw | sha256sum"})
final class CatCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Parameters(index = "1", paramLabel = "NAME", description = "File in the image.")
    String name;

    @Option(names = "--snapshot", paramLabel = "S", description = "Read the file as snapshot S holds it.")
    String snapshot;

    @Mixin // set here too: the lean path (Lean) builds this command without picocli
    ProgressOption progress = new ProgressOption();

    @Mixin // set here too: the lean path (Lean) builds this command without picocli
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        Progress meter = ProgressMeter.open(io(), progress.when, "cat", ProgressMeter.Unit.BYTES);
        try (Image img = open(image, false, lockWait)) {
            if (meter != Progress.NONE) { // a snapshot's file is found by reading its file table: only when drawn
                meter.total(img.stat(name, snapshot).size());
            }
            img.cat(name, snapshot, CountingChannels.writing(io().outChannel(), meter));
        } finally {
            ProgressMeter.close(meter);
        }
        return ExitCodes.OK;
    }
}
