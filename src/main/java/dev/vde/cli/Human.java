package dev.vde.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Human-readable sizes for text output (JSON always carries exact numbers). */
final class Human {
    private Human() {
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String units = "KMGTPE";
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        return oneDecimal(v) + " " + units.charAt(u) + "iB";
    }

    /**
     * {@code v} with one decimal, as {@code String.format(Locale.ROOT, "%.1f", v)} writes it (the
     * shortest decimal form of v, rounded half up), without java.util.Formatter: its first use
     * compiles its pattern and loads locale data, about 20 ms of a short command such as
     * {@code vde info}.
     */
    static String oneDecimal(double v) {
        return new BigDecimal(Double.toString(v)).setScale(1, RoundingMode.HALF_UP).toPlainString();
    }
}
