package dev.vde.check;

import dev.vde.alloc.RunList;
import java.util.Arrays;

/**
 * Block ranges {@code [start, end)}, each with an owner id, in three primitive arrays: a check of a
 * million extents in each of several snapshots holds them at 20 bytes a range, not as objects.
 */
final class Ranges {
    private long[] starts = new long[16];
    private long[] ends = new long[16];
    private int[] owners = new int[16];
    private int size;

    void add(long start, long end, int owner) {
        if (end <= start) {
            return;
        }
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            ends = Arrays.copyOf(ends, size * 2);
            owners = Arrays.copyOf(owners, size * 2);
        }
        starts[size] = start;
        ends[size] = end;
        owners[size] = owner;
        size++;
    }

    int size() {
        return size;
    }

    long start(int i) {
        return starts[i];
    }

    long end(int i) {
        return ends[i];
    }

    int owner(int i) {
        return owners[i];
    }

    private boolean before(int i, int j) {
        return starts[i] < starts[j] || (starts[i] == starts[j] && owners[i] < owners[j]);
    }

    /**
     * Sorts by start, then owner: on a tie the earlier registered holder comes first, so which of
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
        long[] s = new long[starts.length];
        long[] e = new long[ends.length];
        int[] o = new int[owners.length];
        for (int i = 0; i < size; i++) {
            s[i] = starts[idx[i]];
            e[i] = ends[idx[i]];
            o[i] = owners[idx[i]];
        }
        starts = s;
        ends = e;
        owners = o;
    }

    /** Appends the union of the ranges (which must be sorted) to {@code out}, as disjoint runs. */
    void unionInto(RunList out) {
        long runStart = 0;
        long runEnd = -1;
        for (int i = 0; i < size; i++) {
            if (starts[i] <= runEnd) {
                runEnd = Math.max(runEnd, ends[i]);
                continue;
            }
            if (runEnd > runStart) {
                out.add(runStart, runEnd - runStart);
            }
            runStart = starts[i];
            runEnd = ends[i];
        }
        if (runEnd > runStart) {
            out.add(runStart, runEnd - runStart);
        }
    }
}
