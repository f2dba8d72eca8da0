package dev.vde.cli;

import java.util.Map;
import java.util.function.IntPredicate;
import org.fusesource.jansi.Ansi;
import org.fusesource.jansi.internal.CLibrary;

/**
 * Colour for text reports: headings, tags and block numbers, with Jansi's escapes. Colour is on
 * only when standard output is the process's own stdout, that file descriptor is a terminal
 * ({@code isatty(1)}: {@code System.console()} would also need stdin to be one), NO_COLOR is
 * unset or empty and TERM is not "dumb". Otherwise every method returns its text unchanged, so
 * piped output, redirected output and tests never see an escape.
 */
final class Style {
    static final Style PLAIN = new Style(false);

    private final boolean on;

    private Style(boolean on) {
        this.on = on;
    }

    /** The style for {@code io}'s standard output. */
    static Style forStdout(Io io) {
        return of(io.isProcessStdout(), System.getenv(), Style::isatty);
    }

    /** The decision, with its inputs passed in (tests). */
    static Style of(boolean processStdout, Map<String, String> env, IntPredicate isatty) {
        String noColor = env.get("NO_COLOR");
        boolean on = processStdout && (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"))
                && isatty.test(1);
        return on ? new Style(true) : PLAIN;
    }

    /** True if standard input is this process's own (a system Io) and a terminal: no source of binary data. */
    static boolean stdinIsTerminal(Io io) {
        return io.isProcessStdin() && isatty(0);
    }

    /** True if standard output is this process's own and a terminal: no place for binary data. */
    static boolean stdoutIsTerminal(Io io) {
        return io.isProcessStdout() && isatty(1);
    }

    /**
     * isatty(fd). On Linux from the link /proc/self/fd/N, without native code: loading Jansi's
     * native library (extracted to the temporary directory) took 10 to 40 ms of a run. Where there
     * is no /proc, through Jansi; false if neither can tell.
     */
    private static boolean isatty(int fd) {
        java.nio.file.Path link = java.nio.file.Path.of("/proc/self/fd", Integer.toString(fd));
        try {
            String target = java.nio.file.Files.readSymbolicLink(link).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (java.nio.file.NoSuchFileException e) {
            if (java.nio.file.Files.isDirectory(link.getParent())) {
                return false; // fd is not open
            }
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            // no /proc to read: ask the C library
        }
        try {
            return CLibrary.LOADED && CLibrary.HAVE_ISATTY && CLibrary.isatty(fd) != 0;
        } catch (Throwable e) { // no native library for this platform, or it could not be extracted
            return false;
        }
    }

    boolean enabled() {
        return on;
    }

    String heading(String s) {
        return on ? Ansi.ansi().bold().a(s).reset().toString() : s;
    }

    String tag(String s) {
        return on ? Ansi.ansi().fgCyan().a(s).reset().toString() : s;
    }

    String block(long b) {
        return on ? Ansi.ansi().fgYellow().a(b).reset().toString() : Long.toString(b);
    }
}
