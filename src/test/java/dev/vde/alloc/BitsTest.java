package dev.vde.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-at-a-time helpers against a per-bit reference. */
class BitsTest {
    private static boolean get(long[] w, long b) {
        return (w[(int) (b >>> 6)] & (1L << (b & 63))) != 0;
    }

    @Test
    void matchAPerBitReference() {
        Random rnd = new Random(7);
        for (int round = 0; round < 2000; round++) {
            int words = 1 + rnd.nextInt(8);
            long[] w = new long[words];
            boolean[] ref = new boolean[words * 64];
            int ranges = rnd.nextInt(6);
            for (int r = 0; r < ranges; r++) {
                // long runs as well as short ones, so whole words of ones occur
                int from = rnd.nextInt(words * 64);
                int to = Math.min(words * 64, from + (rnd.nextBoolean() ? rnd.nextInt(200) : rnd.nextInt(5)));
                Bits.set(w, from, to);
                for (int b = from; b < to; b++) {
                    ref[b] = true;
                }
            }
            for (int b = 0; b < ref.length; b++) {
                assertThat(get(w, b)).as("round %d bit %d", round, b).isEqualTo(ref[b]);
            }
            int from = rnd.nextInt(ref.length);
            int to = from + rnd.nextInt(ref.length - from + 1);
            long clear = 0;
            for (int b = from; b < to; b++) {
                clear += ref[b] ? 0 : 1;
            }
            assertThat(Bits.countClear(w, from, to)).isEqualTo(clear);
            int limit = 1 + rnd.nextInt(ref.length);
            List<long[]> want = new ArrayList<>();
            for (int b = 0; b < limit; b++) {
                if (ref[b] && (b == 0 || !ref[b - 1])) {
                    want.add(new long[] {b, b + 1});
                } else if (ref[b]) {
                    want.get(want.size() - 1)[1] = b + 1;
                }
            }
            List<String> got = new ArrayList<>();
            Bits.forEachSetRun(w, limit, (s, e) -> got.add(s + "-" + e));
            assertThat(got).as("round %d runs below %d", round, limit)
                    .isEqualTo(want.stream().map(r -> r[0] + "-" + r[1]).toList());
        }
    }
}
