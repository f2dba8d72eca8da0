package dev.vde.cli;

import dev.vde.image.Image;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** Shared plumbing of the commands that open an image. */
abstract class ImageCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    Io io() {
        return main.io;
    }

    /** Opens the image: exclusively to change it, shared to read it. */
    Image open(Path image, boolean writable) throws IOException {
        main.currentImage = image.toString();
        return Image.open(image, writable);
    }
}
