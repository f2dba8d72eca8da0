package dev.vde.cli;

import dev.vde.image.Image;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mv", mixinStandardHelpOptions = true,
        description = "Rename file OLD to NEW. Fails with status 5 if NEW exists, unless --force replaces it.",
        footer = {"%nExamples:",
            "  vde mv disk.vde draft.txt final.txt",
            "  vde mv disk.vde new.img current.img --force"})
final class MvCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Parameters(index = "1", paramLabel = "OLD", description = "Current name.")
    String from;

    @Parameters(index = "2", paramLabel = "NEW", description = "New name.")
    String to;

    @Option(names = {"-f", "--force"}, description = "Replace NEW if it exists (its blocks are freed).")
    boolean force;

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        try (Image img = open(image, true, lockWait)) {
            img.rename(from, to, force);
        }
        return ExitCodes.OK;
    }
}
