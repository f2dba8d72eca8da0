package dev.vde.cli;

import dev.vde.image.Image;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Shared plumbing of the commands that open an image, at any depth below {@code vde}. */
abstract class ImageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Set by {@link Lean}, which runs a command without picocli's model (and so without {@link #spec}). */
    Main lean;

    /** The top-level command, which holds this run's streams and the image named in errors. */
    Main main() {
        return lean != null ? lean : (Main) spec.root().userObject();
    }

    Io io() {
        return main().io;
    }

    /** Colour for this run's standard output, as {@code --color} and the terminal decide. */
    Style style() {
        return Style.forStdout(io(), main().color);
    }

    /**
     * Refuses to read standard input when it was closed at start (the JVM's own files then sit on
     * descriptor 0) or, for {@code binary} input, when it is a terminal.
     */
    void checkStdin(boolean binary, String hint) {
        if (io().stdinClosed()) {
            throw new ParameterException(spec.commandLine(), "standard input is closed" + hint);
        }
        if (binary && Style.stdinIsTerminal(io())) {
            throw new ParameterException(spec.commandLine(),
                    "refusing to read a binary delta from a terminal (pipe one in, or name a file)");
        }
    }

    /** Opens the image: exclusively to change it, shared to read it, waiting for it as {@code --wait} says. */
    Image open(Path image, boolean writable, WaitOption lock) throws IOException {
        main().currentImage = image.toString();
        return Image.open(image, writable, lock.wait);
    }
}
