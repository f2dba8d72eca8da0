package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Human's formatting without java.util.Formatter writes what {@code String.format} wrote. */
class HumanTest {
    @Test
    void oneDecimalIsFormattersPointOneF() {
        Random r = new Random(1);
        double[] fixed = {0, 0.05, 0.15, 0.25, 0.45, 1.45, 2.675, 9.95, 99.95, 999.95, 1023.95, 1023.99, 100, 33.333,
            66.666, 1e-9, 1e15, 1e21, 12345678.05};
        for (double v : fixed) {
            assertThat(Human.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
        }
        for (int k = 0; k < 100_000; k++) {
            double v = switch (k % 4) {
                case 0 -> r.nextDouble() * 1024;
                case 1 -> r.nextInt(10_240) / 10.0 + 0.05;
                case 2 -> 100.0 * r.nextInt(1_000_000) / (1 + r.nextInt(1_000_000));
                default -> (double) r.nextLong(1L << 62) / (1L << r.nextInt(62));
            };
            assertThat(Human.oneDecimal(v)).as("%s", v).isEqualTo(String.format(Locale.ROOT, "%.1f", v));
        }
    }

    @Test
    void bytes() {
        assertThat(Human.bytes(0)).isEqualTo("0 B");
        assertThat(Human.bytes(1023)).isEqualTo("1023 B");
        assertThat(Human.bytes(1024)).isEqualTo("1.0 KiB");
        assertThat(Human.bytes(16L << 20)).isEqualTo("16.0 MiB");
        assertThat(Human.bytes((1L << 30) - 1)).isEqualTo("1024.0 MiB");
        assertThat(Human.bytes(15L << 40)).isEqualTo("15.0 TiB");
        assertThat(Human.bytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
        Random r = new Random(2);
        for (int k = 0; k < 10_000; k++) {
            long n = r.nextLong(1L << (10 + r.nextInt(53)));
            String s = Human.bytes(n);
            if (n >= 1024) {
                double v = n;
                int u = -1;
                while (v >= 1024 && u < 5) {
                    v /= 1024;
                    u++;
                }
                assertThat(s).isEqualTo(String.format(Locale.ROOT, "%.1f %siB", v, "KMGTPE".charAt(u)));
            }
        }
    }
}
