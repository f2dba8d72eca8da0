package dev.vde.alloc;

import dev.vde.format.CorruptImageException;
import java.util.Arrays;

/**
 * A growable list of block runs in two primitive arrays, sortable by start: the bulk operations
 * over a million extents (snapshot create, delete, rollback) collect their runs here instead of
 * in a million {@link Run} objects.
 */
public final class RunList {
    private long[] starts = new long[64];
    private long[] lengths = new long[64];
    private int size;

    public void add(long start, long length) {
        if (length < 1) {
            throw new IllegalArgumentException("run of " + length + " blocks");
        }
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            lengths = Arrays.copyOf(lengths, size * 2);
        }
        starts[size] = start;
        lengths[size] = length;
        size++;
    }

    /** Lengthens the last run by {@code more} blocks. */
    public void extendLast(long more) {
        lengths[size - 1] += more;
    }

    public int size() {
        return size;
    }

    public long start(int i) {
        return starts[i];
    }

    public long length(int i) {
        return lengths[i];
    }

    public long end(int i) {
        return starts[i] + lengths[i];
    }

    /**
     * Sorts by start, then checks that no two runs overlap.
     *
     * @throws CorruptImageException if two overlap: the runs come from extent maps, and one state
     *                               (the live files, or one snapshot) never maps a block twice
     */
    public RunList sortDisjoint() {
        sort(0, size);
        for (int i = 1; i < size; i++) {
            if (starts[i] < end(i - 1)) {
                throw new CorruptImageException("block " + starts[i] + " is mapped twice (extents overlap); "
                        + "run vde fsck");
            }
        }
        return this;
    }

    /** Total blocks in all runs. */
    public long blocks() {
        long n = 0;
        for (int i = 0; i < size; i++) {
            n += lengths[i];
        }
        return n;
    }

    // A plain merge sort on the two arrays: stable, O(n log n) worst case, no boxing.
    private void sort(int from, int to) {
        long[] ts = new long[to - from];
        long[] tl = new long[to - from];
        for (int width = 1; width < to - from; width *= 2) {
            for (int lo = from; lo < to - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, to);
                if (starts[mid - 1] <= starts[mid]) {
                    continue;
                }
                int i = lo;
                int j = mid;
                int k = 0;
                while (i < mid && j < hi) {
                    if (starts[j] < starts[i]) {
                        ts[k] = starts[j];
                        tl[k++] = lengths[j++];
                    } else {
                        ts[k] = starts[i];
                        tl[k++] = lengths[i++];
                    }
                }
                while (i < mid) {
                    ts[k] = starts[i];
                    tl[k++] = lengths[i++];
                }
                while (j < hi) {
                    ts[k] = starts[j];
                    tl[k++] = lengths[j++];
                }
                System.arraycopy(ts, 0, starts, lo, k);
                System.arraycopy(tl, 0, lengths, lo, k);
            }
        }
    }
}
