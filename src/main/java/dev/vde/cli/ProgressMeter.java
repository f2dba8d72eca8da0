package dev.vde.cli;

import dev.vde.io.Progress;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.fusesource.jansi.Ansi;
import org.fusesource.jansi.internal.CLibrary;

/**
 * One progress line on standard error, redrawn in place: what is done, of how much, the rate and
 * the time left. It appears only once the work has taken {@link #DELAY_NANOS} (a short command
 * never flickers), is redrawn every {@link #INTERVAL_NANOS}, and is erased when the work ends, so
 * the command's own summary starts on a clean line and nothing of it stays in a terminal's
 * scroll-back. Standard output is never touched.
 *
 * <p>The work only counts ({@link #advance}); a daemon thread draws, so the line stays current
 * (the rate falling) while the work waits on a stalled pipe or a slow reader.
 */
final class ProgressMeter implements Progress, AutoCloseable {
    static final long DELAY_NANOS = 500_000_000L;
    static final long INTERVAL_NANOS = 200_000_000L;
    private static final int BAR = 16;

    /** What one unit is: bytes are shown as sizes, anything else as a count with this noun. */
    enum Unit {
        BYTES(""), FILES("files"), EXTENTS("extents");

        final String noun;

        Unit(String noun) {
            this.noun = noun;
        }
    }

    private final PrintWriter err;
    private final String label;
    private final Unit unit;
    private final LongSupplier clock;
    private final int width;
    private final long start;
    private volatile long total = -1;
    /** Written by the working thread only, read by the drawing one. */
    private volatile long done;
    private long nextDraw;
    private boolean drawn;
    private boolean closed;
    private Thread painter;

    ProgressMeter(PrintWriter err, String label, Unit unit, LongSupplier clock, int width) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.clock = clock;
        this.width = width;
        this.start = clock.getAsLong();
        this.nextDraw = start + DELAY_NANOS;
    }

    /**
     * The meter for one command: drawn with {@code always}, or with {@code auto} when standard
     * error is a terminal that can redraw a line (TERM not "dumb"); else {@link Progress#NONE}.
     */
    static Progress open(Io io, Style.When when, String label, Unit unit) {
        if (!wanted(when, System.getenv(), () -> Style.stderrIsTerminal(io))) {
            return NONE;
        }
        ProgressMeter m = new ProgressMeter(io.err(), label, unit, System::nanoTime, columns());
        m.painter = new Thread(m::paint, "vde-progress");
        m.painter.setDaemon(true); // never keeps a finished command alive
        m.painter.start();
        return m;
    }

    /** The decision, with its inputs passed in (tests); the terminal is asked only for auto. */
    static boolean wanted(Style.When when, java.util.Map<String, String> env,
            java.util.function.BooleanSupplier stderrTty) {
        return switch (when) {
            case always -> true;
            case never -> false;
            case auto -> !"dumb".equals(env.get("TERM")) && stderrTty.getAsBoolean();
        };
    }

    private void paint() {
        while (!Thread.currentThread().isInterrupted() && tick()) {
            java.util.concurrent.locks.LockSupport.parkNanos(INTERVAL_NANOS / 4);
        }
    }

    /** Ends the meter if {@code p} is one: its line is erased. */
    static void close(Progress p) {
        if (p instanceof ProgressMeter m) {
            m.close();
        }
    }

    @Override
    public void total(long units) {
        total = units;
    }

    @Override
    public void advance(long units) {
        done += units;
    }

    /** Draws the line if it is due; false once the meter is closed. */
    synchronized boolean tick() {
        if (closed) {
            return false;
        }
        long now = clock.getAsLong();
        if (now - nextDraw >= 0) {
            nextDraw = now + INTERVAL_NANOS;
            drawn = true;
            double seconds = (now - start) / 1e9;
            long d = done;
            long t = total;
            String line = line(label, unit, d, t, seconds, true);
            if (line.length() >= width) { // a narrow terminal: the numbers matter more than the bar
                line = line(label, unit, d, t, seconds, false);
            }
            err.print("\r" + fit(line, width) + Ansi.ansi().eraseLine(Ansi.Erase.FORWARD));
            err.flush();
        }
        return true;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (drawn) {
                drawn = false;
                err.print("\r" + Ansi.ansi().eraseLine(Ansi.Erase.FORWARD));
                err.flush();
            }
        }
        if (painter != null && painter != Thread.currentThread()) {
            painter.interrupt();
        }
    }

    /**
     * The text of the line: {@code label  45% [#########           ]  460.0 MiB of 1.0 GiB
     * 512.0 MiB/s  ETA 0:02}; without a total only what is done and the rate.
     */
    static String line(String label, Unit unit, long done, long total, double seconds, boolean bar) {
        StringBuilder b = new StringBuilder(label);
        double rate = seconds > 0 ? done / seconds : 0;
        if (total > 0) {
            double f = Math.min(1.0, (double) done / total);
            int filled = (int) (f * BAR);
            b.append(String.format(Locale.ROOT, " %3d%% ", (int) (f * 100)));
            if (bar) {
                b.append('[').append("#".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ");
            }
            b.append(amount(unit, done)).append(" of ").append(amount(unit, total));
        } else {
            b.append(' ').append(amount(unit, done));
        }
        b.append("  ").append(amount(unit, (long) rate)).append("/s");
        if (total > 0 && done < total) {
            b.append("  ETA ").append(rate > 0 ? clock((total - done) / rate) : "--:--");
        }
        return b.toString();
    }

    private static String amount(Unit unit, long n) {
        return unit == Unit.BYTES ? Human.bytes(n) : String.format(Locale.ROOT, "%,d %s", n, unit.noun);
    }

    /** {@code m:ss}, or {@code h:mm:ss} from an hour on. */
    static String clock(double seconds) {
        long s = (long) Math.ceil(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** Cut to one column less than the terminal, so the cursor never wraps to a new line. */
    static String fit(String s, int width) {
        return s.length() < width ? s : s.substring(0, Math.max(0, width - 1));
    }

    /** The width of the terminal on standard error; 80 when it cannot be asked. */
    private static int columns() {
        try {
            if (CLibrary.LOADED) {
                CLibrary.WinSize ws = new CLibrary.WinSize();
                if (CLibrary.ioctl(2, CLibrary.TIOCGWINSZ, ws) == 0 && ws.ws_col > 0) {
                    return ws.ws_col;
                }
            }
        } catch (Throwable e) { // no native library for this platform: the common width
        }
        return 80;
    }
}
