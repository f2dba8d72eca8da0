package dev.vde.alloc;

/** Word-at-a-time operations on a bitmap block's words (bit i of word w is bit 64w + i). */
public final class Bits {
    private Bits() {
    }

    /** Sets bits {@code [from, to)}. */
    public static void set(long[] words, long from, long to) {
        for (long b = from; b < to;) {
            int w = (int) (b >>> 6);
            int lo = (int) (b & 63);
            int n = (int) Math.min(64 - lo, to - b);
            long mask = n == 64 ? -1L : ((1L << n) - 1) << lo;
            words[w] |= mask;
            b += n;
        }
    }

    /** How many of bits {@code [from, to)} are clear. */
    public static long countClear(long[] words, long from, long to) {
        long clear = 0;
        for (long b = from; b < to;) {
            int w = (int) (b >>> 6);
            int lo = (int) (b & 63);
            int n = (int) Math.min(64 - lo, to - b);
            long mask = n == 64 ? -1L : ((1L << n) - 1) << lo;
            clear += n - Long.bitCount(words[w] & mask);
            b += n;
        }
        return clear;
    }

    /** Calls {@code visitor} with each maximal run {@code [start, end)} of bits set in {@code [0, limit)}. */
    public static void forEachSetRun(long[] words, long limit, RunVisitor visitor) {
        long runStart = -1;
        for (int w = 0; (long) w * 64 < limit; w++) {
            long word = words[w];
            long base = (long) w * 64;
            if (word == 0 || word == -1L) {
                // A whole word of one value: a run ends or goes on without looking at each bit.
                if (word == 0 && runStart >= 0) {
                    visitor.run(runStart, base);
                    runStart = -1;
                } else if (word == -1L && runStart < 0) {
                    runStart = base;
                }
                continue;
            }
            for (int i = 0; i < 64 && base + i < limit; i++) {
                boolean set = (word & (1L << i)) != 0;
                if (set && runStart < 0) {
                    runStart = base + i;
                } else if (!set && runStart >= 0) {
                    visitor.run(runStart, base + i);
                    runStart = -1;
                }
            }
        }
        if (runStart >= 0) {
            visitor.run(runStart, Math.min(limit, (limit + 63) / 64 * 64));
        }
    }

    @FunctionalInterface
    public interface RunVisitor {
        void run(long start, long end);
    }
}
