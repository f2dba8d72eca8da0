package dev.vde.cli;

import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static dev.vde.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --color}, NO_COLOR and {@code --progress} in-process: colour only when asked for or on a
 * terminal, progress on standard error only, and never anything but data on standard output.
 * The real terminal is {@code TerminalIT}'s (tmux).
 */
class TerminalOptionsTest {
    private static final String ESC = "\u001b[";

    @TempDir
    Path dir;
    String img;

    @BeforeEach
    void image() {
        img = dir.resolve("disk.vde").toString();
        ok("format", img, "--size", "8M");
        ok("hello".getBytes(StandardCharsets.UTF_8), "write", img, "notes.txt");
        ok("snapshot", "create", img, "monday");
    }

    @Test
    void colourIsOffUnlessAskedForWhenOutputIsNotATerminal() {
        for (String[] args : new String[][] {{"ls", img}, {"ls", "-l", img}, {"info", img}, {"fsck", img},
            {"dump-tree", img}, {"snapshot", "list", img}, {"--help"}, {"ls", "--help"}}) {
            assertThat(run(args).out()).as(String.join(" ", args)).doesNotContain(ESC).isNotEmpty();
            String[] never = concat(args, "--color=never");
            assertThat(run(never).out()).as(String.join(" ", never)).doesNotContain(ESC);
        }
    }

    @Test
    void colourAlwaysColoursLsInfoFsckDumpTreeAndHelp() {
        assertThat(ok("ls", img, "--color=always").out()).contains(ESC).contains("notes.txt");
        assertThat(ok("ls", "-l", img, "--color=always").out()).contains(ESC);
        assertThat(ok("info", img, "--color=always").out()).contains(ESC + "36mblock size:" + ESC + "m");
        assertThat(ok("fsck", img, "--color=always").out()).contains(ESC + "32mclean");
        assertThat(ok("dump-tree", img, "--color=always").out()).contains(ESC);
        assertThat(ok("--color=always", "--help").out()).contains(ESC);
        assertThat(ok("ls", "--help", "--color=always").out()).contains(ESC);
    }

    @Test
    void theOptionWorksBeforeTheCommandAndWithEitherSpellingAndTheLastOneWins() {
        assertThat(ok("--color=always", "ls", img).out()).contains(ESC);
        assertThat(ok("--colour", "always", "ls", img).out()).contains(ESC);
        assertThat(ok("ls", img, "--color=always", "--color=never").out()).doesNotContain(ESC);
        assertThat(Main.colorOption(new String[] {"--color", "never", "--colour=always"})).isEqualTo(Style.When.always);
        assertThat(Main.colorOption(new String[] {"--", "--color=always"})).isEqualTo(Style.When.auto);
    }

    @Test
    void aBadValueIsAUsageError() {
        assertThat(fails(2, "ls", img, "--color=sometimes").stderr()).contains("auto, always, never");
        for (String[] cmd : new String[][] {{"write", img, "x"}, {"cat", img, "notes.txt"}, {"fsck", img},
            {"snapshot", "create", img, "s"}, {"diff", img, "--to", "monday", "-o", "d.rdlt"}, {"apply", img, "d.rdlt"}}) {
            assertThat(fails(2, concat(cmd, "--progress=loud")).stderr()).as(cmd[0]).contains("auto, always, never");
        }
    }

    @Test
    void applyFromAPipeShowsProgress() {
        byte[] delta = run("diff", img, "--to", "monday").stdout();
        String replica = dir.resolve("replica.vde").toString();
        ok("format", replica, "--size", "8M");
        CliTest.Run r = runWithStreams(new Slow(delta, 1024, 200), new ByteArrayOutputStream(),
                "apply", replica, "-", "--progress=always");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stderr()).startsWith("\rapply ").contains("/s", "\r" + ESC + "0Kvde apply: snapshot 'monday'");
    }

    @Test
    void noColorAndDumbTerminalsTurnAutoOffButNotAlways() {
        assertThat(Style.of(Style.When.auto, true, Map.of("NO_COLOR", "1"), fd -> true).enabled()).isFalse();
        assertThat(Style.of(Style.When.auto, true, Map.of(), fd -> true).enabled()).isTrue();
        assertThat(Style.of(Style.When.auto, true, Map.of("TERM", "dumb"), fd -> true).enabled()).isFalse();
        assertThat(Style.of(Style.When.always, false, Map.of("NO_COLOR", "1"), fd -> false).enabled())
                .as("an explicit --color=always wins over NO_COLOR").isTrue();
        assertThat(Style.of(Style.When.never, true, Map.of(), fd -> true).enabled()).isFalse();
    }

    @Test
    void fsckColoursDamageRed() throws IOException {
        Path damaged = dir.resolve("used-twice.vde");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of("testdata/files-used-twice.vde.gz")))) {
            Files.copy(in, damaged);
        }
        CliTest.Run r = run("fsck", damaged.toString(), "--color=always");
        assertThat(r.status()).isEqualTo(FsckCommand.ERRORS_LEFT);
        assertThat(r.out()).contains(ESC + "1;31mdamage: ");
        assertThat(run("fsck", damaged.toString()).out()).doesNotContain(ESC).contains("damage: ");
    }

    // ---------------------------------------------------------------- progress

    @Test
    void progressAlwaysDrawsOnStandardErrorOnlyWhileWorkIsSlow() {
        byte[] data = new byte[4 << 20];
        CliTest.Run r = runWithStreams(new Slow(data, 64 << 10, 20), new ByteArrayOutputStream(),
                "write", img, "slow.bin", "--progress=always");
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).startsWith("\rwrite ").contains("MiB", "/s").endsWith("\r" + ESC + "0K");
        assertThat(ok("cat", img, "slow.bin").stdout()).isEqualTo(data);
    }

    @Test
    void progressOfCatHasATotalAndTimeLeft() throws IOException {
        // cat knows its total (the file's size); its reader is slowed down so the meter has time to appear.
        byte[] data = new byte[4 << 20];
        ok(data, "write", img, "big.bin");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        CliTest.Run r = runWithStreams(InputStream.nullInputStream(), new SlowSink(sink, 2),
                "cat", img, "big.bin", "--progress=always");
        assertThat(r.status()).isZero();
        assertThat(sink.toByteArray()).as("stdout carries the data and nothing else").isEqualTo(data);
        assertThat(r.stderr()).startsWith("\rcat ").contains("% [", " of 4.0 MiB", "ETA ");
    }

    @Test
    void progressNeverAndAutoOffATerminalDrawNothing() {
        for (String when : new String[] {"--progress=never", "--progress=auto"}) {
            CliTest.Run r = runWithStreams(new Slow(new byte[1 << 20], 64 << 10, 40), new ByteArrayOutputStream(),
                    "write", img, "slow.bin", when);
            assertThat(r.status()).isZero();
            assertThat(r.stderr()).as(when).isEmpty();
        }
    }

    private static String[] concat(String[] a, String b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = b;
        return r;
    }

    private static CliTest.Run runWithStreams(InputStream in, OutputStream out, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(in, out, err);
        int status = Main.commandLine(io, args).execute(args);
        io.out().flush();
        io.err().flush();
        byte[] stdout = out instanceof ByteArrayOutputStream b ? b.toByteArray() : new byte[0];
        return new CliTest.Run(status, stdout, err.toString(StandardCharsets.UTF_8));
    }

    /** Standard input that pauses before each {@code chunk} bytes. */
    private static final class Slow extends InputStream {
        private final byte[] data;
        private final int chunk;
        private final long sleepMillis;
        private int pos;

        Slow(byte[] data, int chunk, long sleepMillis) {
            this.data = data;
            this.chunk = chunk;
            this.sleepMillis = sleepMillis;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == data.length) {
                return -1;
            }
            if (pos % chunk == 0) {
                pause(sleepMillis);
            }
            int n = Math.min(Math.min(len, chunk - pos % chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** Standard output whose reader takes its time. */
    private static final class SlowSink extends java.io.FilterOutputStream {
        private final long sleepMillis;

        SlowSink(OutputStream out, long sleepMillis) {
            super(out);
            this.sleepMillis = sleepMillis;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            pause(sleepMillis);
            out.write(b, off, len);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
