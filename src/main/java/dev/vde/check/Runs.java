package dev.vde.check;

import dev.vde.alloc.RunList;
import java.util.Arrays;

/**
 * Block runs {@code [from, to)} with a value each, in three primitive arrays: who holds a run
 * (an owner id), or how many hold it (a count). A check of a million extents in each of several
 * snapshots keeps them at 24 bytes a run, not as objects.
 */
final class Runs {
    private long[] from = new long[16];
    private long[] to = new long[16];
    private long[] value = new long[16];
    private int size;

    /** Appends a run (an empty one is left out). */
    void add(long start, long end, long v) {
        if (end <= start) {
            return;
        }
        if (size == from.length) {
            from = Arrays.copyOf(from, size * 2);
            to = Arrays.copyOf(to, size * 2);
            value = Arrays.copyOf(value, size * 2);
        }
        from[size] = start;
        to[size] = end;
        value[size] = v;
        size++;
    }

    /** Appends a run, joining it to the last one when they touch and have the same value. */
    void join(long start, long end, long v) {
        if (size > 0 && to[size - 1] == start && value[size - 1] == v) {
            to[size - 1] = end;
        } else {
            add(start, end, v);
        }
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

    long value(int i) {
        return value[i];
    }

    /** The owner id of run {@code i}, for runs of holders. */
    int owner(int i) {
        return (int) value[i];
    }

    private boolean before(int i, int j) {
        return from[i] < from[j] || (from[i] == from[j] && value[i] < value[j]);
    }

    /**
     * Sorts by start, then value: on a tie the earlier registered holder comes first, so which of
     * two holders is "the second" (the one repair gives a copy) does not depend on the walk order.
     */
    void sort() {
        int[] idx = new int[size];
        int[] tmp = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        for (int width = 1; width < size; width *= 2) {
            for (int lo = 0; lo < size - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, size);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    tmp[k++] = before(idx[j], idx[i]) ? idx[j++] : idx[i++];
                }
                while (i < mid) {
                    tmp[k++] = idx[i++];
                }
                while (j < hi) {
                    tmp[k++] = idx[j++];
                }
                System.arraycopy(tmp, lo, idx, lo, hi - lo);
            }
        }
        long[] f = new long[from.length];
        long[] t = new long[to.length];
        long[] v = new long[value.length];
        for (int i = 0; i < size; i++) {
            f[i] = from[idx[i]];
            t[i] = to[idx[i]];
            v[i] = value[idx[i]];
        }
        from = f;
        to = t;
        value = v;
    }

    /** Appends the union of the runs (which must be sorted) to {@code out}, as disjoint runs. */
    void unionInto(RunList out) {
        long runStart = 0;
        long runEnd = -1;
        for (int i = 0; i < size; i++) {
            if (from[i] <= runEnd) {
                runEnd = Math.max(runEnd, to[i]);
                continue;
            }
            if (runEnd > runStart) {
                out.add(runStart, runEnd - runStart);
            }
            runStart = from[i];
            runEnd = to[i];
        }
        if (runEnd > runStart) {
            out.add(runStart, runEnd - runStart);
        }
    }

    /**
     * For every block, how many of {@code runs} cover it, as runs of equal depth (blocks no run
     * covers are left out). Each holder must give disjoint runs, so the depth is the number of
     * holders: a sort of the starts and of the ends and one sweep, O(n log n) for any overlap.
     */
    static Runs depth(RunList runs) {
        int n = runs.size();
        long[] starts = new long[n];
        long[] ends = new long[n];
        for (int i = 0; i < n; i++) {
            starts[i] = runs.start(i);
            ends[i] = runs.end(i);
        }
        Arrays.sort(starts);
        Arrays.sort(ends);
        Runs out = new Runs();
        int i = 0;
        int j = 0;
        long depth = 0;
        long pos = 0;
        while (j < n) {
            long next = i < n ? Math.min(starts[i], ends[j]) : ends[j];
            if (depth > 0 && next > pos) {
                out.join(pos, next, depth);
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
