package dev.vde.check;

import dev.vde.alloc.RunList;
import java.util.Arrays;

/**
 * Disjoint runs {@code [from, to)} with a count each, in block order: how many holders map each
 * block (a recount), or what the ref-count table stores. Primitive arrays, one entry per run.
 */
final class Counts {
    private long[] from = new long[16];
    private long[] to = new long[16];
    private long[] count = new long[16];
    private int size;

    void add(long start, long end, long n) {
        if (size > 0 && to[size - 1] == start && count[size - 1] == n) {
            to[size - 1] = end;
            return;
        }
        if (size == from.length) {
            from = Arrays.copyOf(from, size * 2);
            to = Arrays.copyOf(to, size * 2);
            count = Arrays.copyOf(count, size * 2);
        }
        from[size] = start;
        to[size] = end;
        count[size] = n;
        size++;
    }

    int size() {
        return size;
    }

    long from(int i) {
        return from[i];
    }

    long to(int i) {
        return to[i];
    }

    long count(int i) {
        return count[i];
    }

    /**
     * For every block, how many of {@code runs} cover it, as runs of equal depth (blocks no run
     * covers are left out). Each holder must give disjoint runs, so the depth is the number of
     * holders: a sort of the starts and of the ends and one sweep, O(n log n) for any overlap.
     */
    static Counts depth(RunList runs) {
        int n = runs.size();
        long[] starts = new long[n];
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = runs.start(i);
            ends[i] = runs.end(i);
        }
        Arrays.sort(starts);
        Arrays.sort(ends);
        Counts out = new Counts();
        int i = 0;
        int j = 0;
        long depth = 0;
        long pos = 0;
        while (j < n) {
            long next = i < n ? Math.min(starts[i], ends[j]) : ends[j];
            if (depth > 0 && next > pos) {
                out.add(pos, next, depth);
            }
            pos = next;
            while (i < n && starts[i] == next) {
                depth++;
                i++;
            }
            while (j < n && ends[j] == next) {
                depth--;
                j++;
            }
        }
        return out;
    }
}
