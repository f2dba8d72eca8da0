package dev.vde.cli;

import dev.vde.image.Image;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Delete file NAME from the image and free its blocks, in one atomic transaction.",
        footer = {"%nExamples:",
            "  vde rm disk.vde old.log",
            "  vde ls disk.vde | grep '\\.tmp$' | xargs -r -n1 vde rm disk.vde"})
final class RmCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image.")
    Path image;

    @Parameters(index = "1", paramLabel = "NAME", description = "File to delete.")
    String name;

    @Mixin
    WaitOption lockWait = new WaitOption();

    @Override
    public Integer call() throws Exception {
        try (Image img = open(image, true, lockWait)) {
            img.remove(name);
        }
        return ExitCodes.OK;
    }
}
