package dev.vde.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a file descriptor of this process is open on, read from Linux's {@code /proc/self/fd}
 * without native code (Jansi's native library costs 10 to 40 ms of a run to load). Both the
 * terminal test ({@link Style#isatty}) and the closed-stdin test ({@link Io#stdinClosed}) ask here.
 */
final class Descriptors {
    /** The answer for a descriptor that is not open. */
    static final String NOT_OPEN = "";

    private Descriptors() {
    }

    /**
     * The path descriptor {@code fd} is open on ({@code /dev/pts/3}, {@code pipe:[123]},
     * {@code socket:[456]}, a file), {@link #NOT_OPEN}, or null where {@code /proc} cannot tell
     * (not Linux): the caller then decides another way.
     */
    static String target(int fd) {
        Path link = Path.of("/proc/self/fd", Integer.toString(fd));
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (NoSuchFileException e) {
            return Files.isDirectory(link.getParent()) ? NOT_OPEN : null;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null; // no /proc to ask (see above): the caller decides another way
        }
    }
}
