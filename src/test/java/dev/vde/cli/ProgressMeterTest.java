package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The progress line: when it appears, how often it is redrawn, what it says, and that it is erased. */
class ProgressMeterTest {
    private static final long MS = 1_000_000L;
    /** ECMA-48 EL 0: erase from the cursor to the end of the line. */
    private static final String ERASE = "\u001b[0K";

    private final StringWriter text = new StringWriter();
    private long now = 1_000 * MS;

    private ProgressMeter meter(ProgressMeter.Unit unit, int width) {
        return new ProgressMeter(new PrintWriter(text), "write", unit, () -> now, width);
    }

    @Test
    void nothingIsDrawnForWorkShorterThanTheDelay() {
        ProgressMeter m = meter(ProgressMeter.Unit.BYTES, 80);
        m.total(100 << 20);
        now += ProgressMeter.DELAY_NANOS - 1;
        m.advance(50 << 20);
        m.tick();
        m.close();
        assertThat(text.toString()).as("a short command never flickers").isEmpty();
    }

    @Test
    void drawnAfterTheDelayRedrawnAtMostEveryIntervalAndErasedAtTheEnd() {
        ProgressMeter m = meter(ProgressMeter.Unit.BYTES, 80);
        m.total(1000L << 20);
        now += ProgressMeter.DELAY_NANOS;
        m.advance(250L << 20); // 250 MiB in 0.5 s
        m.tick();
        String first = text.toString();
        assertThat(first).startsWith("\rwrite  25% [####            ] 250.0 MiB of 1000.0 MiB  500.0 MiB/s  ETA 0:02")
                .endsWith(ERASE);
        now += ProgressMeter.INTERVAL_NANOS - 1;
        m.advance(1 << 20);
        m.tick();
        assertThat(text.toString()).as("not redrawn within the interval").isEqualTo(first);
        now += 1;
        m.advance(1 << 20);
        m.tick();
        assertThat(text.toString()).as("redrawn once the interval has passed").hasSizeGreaterThan(first.length())
                .contains(" 252.0 MiB of 1000.0 MiB");
        m.close();
        assertThat(text.toString()).endsWith("\r" + ERASE);
        int before = text.toString().length();
        m.close();
        assertThat(text.toString()).as("closing twice erases once").hasSize(before);
        now += ProgressMeter.INTERVAL_NANOS;
        assertThat(m.tick()).as("a closed meter stops drawing").isFalse();
        assertThat(text.toString()).hasSize(before);
    }

    @Test
    void theLineIsRedrawnWhileTheWorkWaits() {
        ProgressMeter m = meter(ProgressMeter.Unit.BYTES, 80);
        m.advance(8 << 20);
        now += ProgressMeter.DELAY_NANOS;
        m.tick();
        now += ProgressMeter.DELAY_NANOS; // nothing more arrives: the rate halves
        m.tick();
        assertThat(text.toString()).contains("write 8.0 MiB  16.0 MiB/s").endsWith("write 8.0 MiB  8.0 MiB/s" + ERASE);
    }

    @Test
    void lineWithoutATotalShowsWhatIsDoneAndTheRate() {
        assertThat(ProgressMeter.line("write", ProgressMeter.Unit.BYTES, 3L << 30, -1, 2.0, true))
                .isEqualTo("write 3.0 GiB  1.5 GiB/s");
    }

    @Test
    void countsAreShownWithTheirNoun() {
        assertThat(ProgressMeter.line("fsck", ProgressMeter.Unit.FILES, 2500, 10_000, 1.0, true))
                .isEqualTo("fsck  25% [####            ] 2,500 files of 10,000 files  2,500 files/s  ETA 0:03");
    }

    @Test
    void noEtaWhenDoneOrWhenNothingMovedYet() {
        assertThat(ProgressMeter.line("cat", ProgressMeter.Unit.BYTES, 100, 100, 1.0, true)).doesNotContain("ETA")
                .contains("100% [################]");
        assertThat(ProgressMeter.line("cat", ProgressMeter.Unit.BYTES, 0, 100, 1.0, true)).endsWith("ETA --:--");
        assertThat(ProgressMeter.line("cat", ProgressMeter.Unit.BYTES, 200, 100, 1.0, true))
                .as("a total that was too small never draws past the bar").contains("100% [################]");
    }

    @Test
    void timeLeftIsMinutesAndSecondsThenHours() {
        assertThat(ProgressMeter.clock(0.2)).isEqualTo("0:01");
        assertThat(ProgressMeter.clock(61)).isEqualTo("1:01");
        assertThat(ProgressMeter.clock(3 * 3600 + 5 * 60 + 7)).isEqualTo("3:05:07");
    }

    @Test
    void aNarrowTerminalLosesTheBarFirstAndTheLineNeverFillsTheLastColumn() {
        ProgressMeter m = meter(ProgressMeter.Unit.BYTES, 64);
        m.total(1000L << 20);
        now += ProgressMeter.DELAY_NANOS;
        m.advance(500L << 20);
        m.tick();
        String drawn = text.toString();
        assertThat(drawn.substring(1, drawn.indexOf('\u001b')))
                .isEqualTo("write  50% 500.0 MiB of 1000.0 MiB  1000.0 MiB/s  ETA 0:01");
        ProgressMeter narrow = new ProgressMeter(new PrintWriter(text), "write", ProgressMeter.Unit.BYTES, () -> now, 20);
        narrow.total(1000L << 20);
        text.getBuffer().setLength(0);
        now += ProgressMeter.DELAY_NANOS;
        narrow.advance(1);
        narrow.tick();
        drawn = text.toString();
        assertThat(drawn.substring(1, drawn.indexOf('\u001b'))).hasSize(19);
        assertThat(ProgressMeter.fit("short", 30)).isEqualTo("short");
    }

    @Test
    void autoDrawsOnlyOnATerminalThatCanRedrawALine() {
        assertThat(ProgressMeter.wanted(Style.When.auto, java.util.Map.of(), () -> true)).isTrue();
        assertThat(ProgressMeter.wanted(Style.When.auto, java.util.Map.of(), () -> false)).isFalse();
        assertThat(ProgressMeter.wanted(Style.When.auto, java.util.Map.of("TERM", "dumb"), () -> true)).isFalse();
        assertThat(ProgressMeter.wanted(Style.When.always, java.util.Map.of("TERM", "dumb"), () -> false)).isTrue();
        assertThat(ProgressMeter.wanted(Style.When.never, java.util.Map.of(), () -> true)).isFalse();
        assertThat(ProgressMeter.wanted(Style.When.auto, java.util.Map.of("NO_COLOR", "1"), () -> true))
                .as("NO_COLOR is about colour, not progress").isTrue();
    }
}
