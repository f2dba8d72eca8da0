package dev.vde.cli;

import java.util.Map;
import java.util.function.IntPredicate;
import org.fusesource.jansi.Ansi;
import org.fusesource.jansi.internal.CLibrary;

/**
 * Colour for text reports: headings, tags, block numbers and severities, with Jansi's escapes.
 * {@code --color=never} turns it off and {@code --color=always} on. With {@code auto} (the default)
 * colour is on only when standard output is the process's own stdout, that file descriptor is a
 * terminal ({@code isatty(1)}: {@code System.console()} would also need stdin to be one), NO_COLOR
 * is unset or empty and TERM is not "dumb". Otherwise every method returns its text unchanged, so
 * piped output, redirected output and tests never see an escape.
 */
final class Style {
    static final Style PLAIN = new Style(false);

    /** The values of {@code --color}. */
    enum When { auto, always, never }

    private final boolean on;

    private Style(boolean on) {
        this.on = on;
    }

    /** The style for {@code io}'s standard output under {@code --color=when}. */
    static Style forStdout(Io io, When when) {
        return of(when, io.isProcessStdout(), System.getenv(), Style::isatty);
    }

    /** The decision for {@code --color=auto}, with its inputs passed in (tests). */
    static Style of(boolean processStdout, Map<String, String> env, IntPredicate isatty) {
        return of(When.auto, processStdout, env, isatty);
    }

    /** The decision, with its inputs passed in (tests). */
    static Style of(When when, boolean processStdout, Map<String, String> env, IntPredicate isatty) {
        if (when != When.auto) {
            return when == When.always ? new Style(true) : PLAIN;
        }
        boolean on = processStdout && !noColor(env) && !"dumb".equals(env.get("TERM")) && isatty.test(1);
        return on ? new Style(true) : PLAIN;
    }

    /** NO_COLOR (no-color.org): set and not empty turns colour off, whatever its value. */
    static boolean noColor(Map<String, String> env) {
        String v = env.get("NO_COLOR");
        return v != null && !v.isEmpty();
    }

    /** True if standard error is this process's own and a terminal: where a progress line can be redrawn. */
    static boolean stderrIsTerminal(Io io) {
        return io.isProcessStderr() && isatty(2);
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
     * isatty(fd): on Linux from what the descriptor is open on ({@link Descriptors}), without
     * native code; where there is no /proc, through Jansi; false if neither can tell.
     */
    static boolean isatty(int fd) {
        String target = Descriptors.target(fd);
        if (target != null) {
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
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

    /** A name the user gave (a file in the image). */
    String name(String s) {
        return on ? Ansi.ansi().bold().fgBlue().a(s).reset().toString() : s;
    }

    /** Something wrong that loses data. */
    String bad(String s) {
        return on ? Ansi.ansi().bold().fgRed().a(s).reset().toString() : s;
    }

    /** Something wrong that loses nothing. */
    String warn(String s) {
        return on ? Ansi.ansi().fgYellow().a(s).reset().toString() : s;
    }

    /** A good outcome. */
    String good(String s) {
        return on ? Ansi.ansi().fgGreen().a(s).reset().toString() : s;
    }

    /** Secondary detail (times, notes). */
    String dim(String s) {
        return on ? Ansi.ansi().a(Ansi.Attribute.INTENSITY_FAINT).a(s).reset().toString() : s;
    }
}
