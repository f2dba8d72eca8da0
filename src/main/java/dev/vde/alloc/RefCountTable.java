package dev.vde.alloc;

import dev.vde.btree.BTree;
import dev.vde.btree.BTreeBuilder;
import dev.vde.btree.Node;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeStore;
import dev.vde.format.CorruptImageException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Reference counts of physical blocks, kept by ranges: entries {@code (start, length, count)}
 * never overlap, and only counts above 1 are stored. An allocated block without an entry has
 * count 1; a free block has count 0 (the bitmap says which). Counts are per block, never per
 * extent start, so a shared extent split by a partial overwrite keeps exact counts on both
 * remaining pieces.
 *
 * <p>The table lives in a B+tree (tag RCNT) that the caller roots and persists; every change
 * goes through the running transaction like any other metadata.
 */
public final class RefCountTable {
    private final NodeStore store;
    private final Allocated allocated;
    private BTree tree;

    /**
     * @param store     where the tree's nodes live; a bulk change rebuilds the tree there
     * @param allocated which blocks are in use (the bitmap); a decrement of a free block is a
     *                  double free and fails instead of handing the block out twice
     */
    public RefCountTable(BTree tree, NodeStore store, Allocated allocated) {
        this.tree = tree;
        this.store = store;
        this.allocated = allocated;
    }

    public BTree tree() {
        return tree;
    }

    /** True when every allocated block has count 1. */
    public boolean isEmpty() {
        return tree.height() == 0;
    }

    /** The stored count of an allocated block: 1 unless the table says more. */
    public long count(long block) {
        long[] e = tree.floor(block);
        return e != null && block < e[0] + e[1] ? e[2] : 1;
    }

    /** Adds one reference to every block of the run. */
    public void increment(long start, long length) {
        adjust(start, length, +1);
    }

    /**
     * Drops one reference from every block of the run.
     *
     * @return the runs whose count reached 0: nothing references them any more
     */
    public List<Run> decrement(long start, long length) {
        checkAllocated(start, length);
        return adjust(start, length, -1);
    }

    /** Which blocks are in use: the allocator's bitmap, read a word at a time. */
    @FunctionalInterface
    public interface Allocated {
        /** The first free block of {@code [start, start + length)}, or -1 if all are in use. */
        long firstFree(long start, long length);
    }

    private void checkAllocated(long start, long length) {
        long b = allocated.firstFree(start, length);
        if (b >= 0) {
            throw new CorruptImageException("block " + b + " is free: it cannot lose a reference (a double free)");
        }
    }

    /**
     * Rewrites the stored entries that touch {@code [start, end)} (plus an equal neighbour on
     * each side, so that equal counts merge) as a fresh list of segments.
     */
    private List<Run> adjust(long start, long length, int delta) {
        if (length < 1) {
            throw new IllegalArgumentException("run of " + length + " blocks");
        }
        long end = start + length;
        List<long[]> touched = new ArrayList<>();
        long[] left = tree.floor(start - 1);
        if (left != null && left[0] + left[1] >= start) {
            touched.add(left);
        }
        for (BTree.Cursor c = tree.ceiling(start); c.valid() && c.key() <= end; c.next()) {
            long[] e = c.entry();
            if (touched.isEmpty() || touched.get(touched.size() - 1)[0] != e[0]) {
                touched.add(e);
            }
        }
        for (long[] e : touched) {
            tree.remove(e[0]);
        }
        // Segments over [from, to): stored counts where entries were, 1 in the gaps of [start, end).
        List<long[]> segments = new ArrayList<>();
        long pos = touched.isEmpty() ? start : Math.min(start, touched.get(0)[0]);
        for (long[] e : touched) {
            if (e[0] > pos) {
                segments.add(new long[] {pos, e[0] - pos, 1});
            }
            segments.add(new long[] {e[0], e[1], e[2]});
            pos = e[0] + e[1];
        }
        if (pos < end) {
            segments.add(new long[] {pos, end - pos, 1});
        }
        List<Run> freed = new ArrayList<>();
        List<long[]> result = new ArrayList<>();
        for (long[] s : segments) {
            long sStart = s[0];
            long sEnd = s[0] + s[1];
            // pieces before, inside and after the adjusted run
            long a = Math.max(sStart, start);
            long b = Math.min(sEnd, end);
            if (a >= b) {
                append(result, sStart, sEnd, s[2]);
                continue;
            }
            append(result, sStart, a, s[2]);
            long n = s[2] + delta;
            if (n < 0) {
                throw new CorruptImageException("reference count of blocks [" + a + ", " + b + ") would drop below 0");
            }
            if (n == 0) {
                freed.add(new Run(a, b - a));
            }
            append(result, a, b, n);
            append(result, b, sEnd, s[2]);
        }
        for (long[] r : result) {
            if (r[2] > 1) {
                tree.insert(r);
            }
        }
        return freed;
    }

    /** Appends {@code [from, to)} with {@code count}, merging with an equal, adjacent predecessor. */
    private static void append(List<long[]> out, long from, long to, long count) {
        if (to <= from) {
            return;
        }
        long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && last[2] == count && last[0] + last[1] == from) {
            last[1] += to - from;
        } else {
            out.add(new long[] {from, to - from, count});
        }
    }

    /**
     * Adds {@code delta} (+1 or -1) to the count of every block of {@code runs}, which must be
     * sorted and disjoint, in one pass over the table: the stored entries and the runs are merged
     * and the tree is rebuilt bottom-up. This is what keeps snapshot create, delete and rollback
     * O(extents + entries) rather than a tree update per extent.
     *
     * @return the runs whose count reached 0, in block order
     * @throws CorruptImageException if a count would drop below 0
     */
    public RunList applyBulk(RunList runs, int delta) {
        if (delta != 1 && delta != -1) {
            throw new IllegalArgumentException("delta " + delta);
        }
        RunList freed = new RunList();
        if (runs.size() == 0) {
            return freed;
        }
        List<long[]> old = entries();
        // The new tree goes into the old tree's blocks first: a rebuild needs no free block unless
        // it grows, so that removing a file or deleting a snapshot works on a full image.
        ArrayDeque<Long> reuse = new ArrayDeque<>();
        tree.forEachNode(n -> reuse.add(n.block));
        BTreeBuilder out = new BTreeBuilder(tree.codec(), new Recycling(store, reuse), tree.owner());
        long[] pending = null;
        int i = 0;
        int j = 0;
        long pos = Long.MIN_VALUE;
        while (i < old.size() || j < runs.size()) {
            long[] e = i < old.size() ? old.get(i) : null;
            long es = e == null ? Long.MAX_VALUE : Math.max(e[0], pos);
            long ee = e == null ? Long.MAX_VALUE : e[0] + e[1];
            long rs = j < runs.size() ? Math.max(runs.start(j), pos) : Long.MAX_VALUE;
            long re = j < runs.size() ? runs.end(j) : Long.MAX_VALUE;
            long from = Math.min(es, rs);
            long to;
            long count;
            if (es == from && rs == from) {
                to = Math.min(ee, re);
                count = e[2] + delta;
            } else if (es == from) {
                to = Math.min(ee, rs);
                count = e[2];
            } else {
                to = Math.min(re, es);
                count = 1 + delta;
            }
            if (count < 0) {
                throw new CorruptImageException("reference count of blocks [" + from + ", " + to + ") would drop below 0");
            }
            if (count == 0) {
                if (freed.size() > 0 && freed.end(freed.size() - 1) == from) {
                    freed.extendLast(to - from);
                } else {
                    freed.add(from, to - from);
                }
            } else if (count > 1) {
                if (pending != null && pending[2] == count && pending[0] + pending[1] == from) {
                    pending[1] += to - from;
                } else {
                    if (pending != null) {
                        out.add(pending);
                    }
                    pending = new long[] {from, to - from, count};
                }
            }
            pos = to;
            if (e != null && ee <= pos) {
                i++;
            }
            if (j < runs.size() && re <= pos) {
                j++;
            }
        }
        if (pending != null) {
            out.add(pending);
        }
        for (int k = 0; k < freed.size(); k++) {
            checkAllocated(freed.start(k), freed.length(k));
        }
        BTree built = out.finish();
        for (long b : reuse) {
            store.free(b);
        }
        tree = new BTree(built.codec(), store, built.owner(), built.root(), built.height());
        return freed;
    }

    /** A node store that hands out given blocks before allocating new ones. */
    private record Recycling(NodeStore store, ArrayDeque<Long> blocks) implements NodeStore {
        @Override
        public Node load(long block, NodeCodec codec) {
            return store.load(block, codec);
        }

        @Override
        public void save(Node node, NodeCodec codec) {
            store.save(node, codec);
        }

        @Override
        public long allocate() {
            Long b = blocks.poll();
            return b != null ? b : store.allocate();
        }

        @Override
        public void free(long block) {
            store.free(block);
        }
    }

    /** Every stored entry, in block order: {@code start, length, count}. */
    public List<long[]> entries() {
        List<long[]> out = new ArrayList<>();
        for (BTree.Cursor c = tree.first(); c.valid(); c.next()) {
            out.add(c.entry());
        }
        return out;
    }
}
