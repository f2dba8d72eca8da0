package dev.vde.cli;

import dev.vde.delta.CorruptDeltaException;
import dev.vde.error.ConflictException;
import dev.vde.error.NoSpaceException;
import dev.vde.error.NotFoundException;
import dev.vde.format.CorruptImageException;
import dev.vde.format.UnsupportedFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/** The exit statuses of every command, and the one mapping from failures to them. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FSCK_REPAIRED = 1;
    public static final int USAGE = 2;
    public static final int NOT_FOUND = 3;
    public static final int FSCK_ERRORS_LEFT = 4;
    public static final int CONFLICT = 5;
    public static final int NO_SPACE = 6;
    public static final int CORRUPT = 7;
    public static final int IO = 8;
    /** stdout was closed by its reader (as a process killed by SIGPIPE would report). */
    public static final int BROKEN_PIPE = 141;

    /** For picocli's exitCodeList: the same table in every command's help. */
    public static final String[] LIST = {
        "0:success",
        "2:usage error (bad option or argument)",
        "3:not found (image, file or name)",
        "5:conflict (image locked by another process: see --wait; name exists; delta does not fit the image)",
        "6:no space left in the image or on the host file system",
        "7:corrupt or unsupported input (image or delta fails validation)",
        "8:other I/O or internal error",
    };

    private ExitCodes() {
    }

    /** A failure's exit status and its one-line message. */
    public record Failure(int status, String message) {
    }

    /** An error message as one line: line breaks and other control characters become spaces. */
    public static String oneLine(String message) {
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString().strip();
    }

    public static Failure classify(Throwable t) {
        Throwable e = t instanceof UncheckedIOException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof CommandLine.ParameterException) {
            return new Failure(USAGE, e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return new Failure(USAGE, e.getMessage());
        }
        if (e instanceof NotFoundException) {
            return new Failure(NOT_FOUND, e.getMessage());
        }
        if (e instanceof ConflictException) {
            return new Failure(CONFLICT, e.getMessage());
        }
        if (e instanceof NoSpaceException) {
            return new Failure(NO_SPACE, e.getMessage());
        }
        if (e instanceof CorruptImageException) {
            return new Failure(CORRUPT, "corrupt image: " + e.getMessage());
        }
        if (e instanceof CorruptDeltaException) {
            return new Failure(CORRUPT, "corrupt delta: " + e.getMessage());
        }
        if (e instanceof UnsupportedFormatException) {
            return new Failure(CORRUPT, "unsupported: " + e.getMessage());
        }
        if (e instanceof NoSuchFileException) {
            return new Failure(NOT_FOUND, "no such file: " + ((NoSuchFileException) e).getFile());
        }
        if (e instanceof AccessDeniedException) {
            return new Failure(IO, "permission denied: " + ((AccessDeniedException) e).getFile());
        }
        if (e instanceof FileSystemException) {
            FileSystemException f = (FileSystemException) e;
            return new Failure(IO, f.getFile() + ": " + (f.getReason() == null ? "I/O error" : f.getReason()));
        }
        if (e instanceof IOException) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Broken pipe")) {
                return new Failure(BROKEN_PIPE, null);
            }
            if (m.contains("No space left")) {
                return new Failure(NO_SPACE, "no space left on the host file system");
            }
            if (m.contains("Input/output error")) {
                // EIO: the medium could not return the bytes. For the user that is input that
                // cannot be read, like a block that fails its checksum, and it is answered alike.
                return new Failure(CORRUPT, "medium error: Input/output error (a bad block under the image or the input)");
            }
            return new Failure(IO, "I/O error: " + m);
        }
        if (e instanceof OutOfMemoryError) {
            return new Failure(IO, "out of memory");
        }
        return new Failure(IO, "internal error: " + e);
    }
}
