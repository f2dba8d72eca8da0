package dev.vde.cli;

import dev.vde.image.Image;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Shared plumbing of the commands that open an image, at any depth below {@code vde}. */
abstract class ImageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The top-level command, which holds this run's streams and the image named in errors. */
    Main main() {
        return (Main) spec.root().userObject();
    }

    Io io() {
        return main().io;
    }

    /** Opens the image: exclusively to change it, shared to read it. */
    Image open(Path image, boolean writable) throws IOException {
        main().currentImage = image.toString();
        return Image.open(image, writable);
    }
}
