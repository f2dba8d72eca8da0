package dev.vde.inode;

import dev.vde.alloc.RunList;
import dev.vde.btree.BTree;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CorruptImageException;
import dev.vde.format.InodeLayout;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.List;

/**
 * The extent map of one file: up to four extents inline in the inode, more in a B+tree. Keys are
 * logical byte offsets; extents never overlap, and an extent added next to one that is both
 * logically and physically adjacent (same flags) merges with it.
 *
 * <p>Every change updates the inode's counters and root; the caller stores the inode. Unmapping
 * drops a reference ({@link Transaction#release}): blocks a snapshot still holds stay allocated,
 * and a partial unmap of a shared extent leaves the pieces before and after it sharing their
 * blocks, with counts kept per block.
 */
public final class FileExtents {
    private final Transaction tx;
    private final Inode ino;
    private final int bs;
    private final NodeCodec codec;
    private BTree tree;

    public FileExtents(Transaction tx, Inode ino) {
        this.tx = tx;
        this.ino = ino;
        this.bs = tx.blockSize();
        this.codec = new NodeCodec(NodeLayout.EXTENTS, bs);
        if (ino.hasTree()) {
            if (ino.treeRoot < tx.superblock().dataStart || ino.treeRoot >= tx.superblock().totalBlocks) {
                throw new CorruptImageException(-1, "inode " + ino.number, "extent tree root " + ino.treeRoot
                        + " is outside the data region");
            }
            tree = new BTree(codec, tx, ino.treeOwner(), ino.treeRoot, ino.treeHeight);
        }
    }

    public Inode inode() {
        return ino;
    }

    /** The tree, or null while the extents are inline. */
    public BTree tree() {
        return tree;
    }

    // ---- ordered-map primitives over either representation ----

    /** The extent with the greatest offset at most {@code key}, or null. */
    public Extent floor(long key) {
        if (tree != null) {
            long[] w = tree.floor(key);
            return w == null ? null : checked(Extent.fromWords(w));
        }
        Extent best = null;
        for (Extent e : ino.inline) {
            if (e.logical() <= key) {
                best = e;
            }
        }
        return best == null ? null : checked(best);
    }

    /** The extent with the smallest offset at least {@code key}, or null. */
    public Extent ceiling(long key) {
        if (tree != null) {
            BTree.Cursor c = tree.ceiling(key);
            return c.valid() ? checked(Extent.fromWords(c.entry())) : null;
        }
        for (Extent e : ino.inline) {
            if (e.logical() >= key) {
                return checked(e);
            }
        }
        return null;
    }

    /** The extent covering byte {@code offset}, or null for a hole. */
    public Extent find(long offset) {
        Extent e = floor(offset);
        return e != null && e.covers(offset, bs) ? e : null;
    }

    /** Extents come from the file: one that is malformed or points outside the data region is damage. */
    private Extent checked(Extent e) {
        if (e.count() < 1 || e.logical() < 0 || e.logical() % bs != 0 || e.start() < tx.superblock().dataStart
                || e.start() > tx.superblock().totalBlocks - e.count()
                || e.logical() > InodeCodec.MAX_FILE_SIZE - (long) e.count() * bs) {
            throw new CorruptImageException(-1, "extent of inode " + ino.number,
                    "extent " + e + " is outside the data region or malformed");
        }
        return e;
    }

    private void insertRaw(Extent e) {
        if (tree == null && ino.inline.size() >= InodeLayout.INLINE_EXTENTS) {
            tree = new BTree(codec, tx, ino.treeOwner(), 0, 0);
            for (Extent x : ino.inline) {
                tree.insert(x.toWords());
            }
            ino.inline.clear();
        }
        if (tree != null) {
            tree.insert(e.toWords());
        } else {
            int at = 0;
            while (at < ino.inline.size() && ino.inline.get(at).logical() < e.logical()) {
                at++;
            }
            ino.inline.add(at, e);
        }
        ino.extentCount++;
    }

    private void removeRaw(Extent e) {
        if (tree != null) {
            if (!tree.remove(e.logical())) {
                throw new IllegalStateException("extent at " + e.logical() + " missing");
            }
        } else {
            ino.inline.remove(e);
        }
        ino.extentCount--;
    }

    private void replaceRaw(Extent e) {
        if (tree != null) {
            tree.update(e.toWords());
        } else {
            for (int i = 0; i < ino.inline.size(); i++) {
                if (ino.inline.get(i).logical() == e.logical()) {
                    ino.inline.set(i, e);
                    return;
                }
            }
            throw new IllegalStateException("extent at " + e.logical() + " missing");
        }
    }

    // ---- file-level operations ----

    /**
     * Unmaps {@code [from, to)} (block-aligned byte offsets): extents inside are removed, extents
     * across an edge are trimmed or split, and the physical blocks no longer mapped are freed.
     */
    public void punch(long from, long to) {
        if (from >= to) {
            return;
        }
        Extent f = floor(from);
        if (f != null && f.logical() < from && f.end(bs) > from) {
            cut(f, from, to);
        }
        for (Extent e = ceiling(from); e != null && e.logical() < to; e = ceiling(from)) {
            cut(e, from, to);
        }
        finish();
    }

    private void cut(Extent e, long from, long to) {
        long eEnd = e.end(bs);
        long lo = Math.max(from, e.logical());
        long hi = Math.min(to, eEnd);
        long freedStart = e.start() + (lo - e.logical()) / bs;
        long freedCount = (hi - lo) / bs;
        if (e.logical() < from) {
            replaceRaw(new Extent(e.start(), (int) ((from - e.logical()) / bs), e.flags(), e.logical()));
        } else {
            removeRaw(e);
        }
        if (eEnd > to) {
            insertRaw(new Extent(e.start() + (to - e.logical()) / bs, (int) ((eEnd - to) / bs), e.flags(), to));
        }
        tx.release(freedStart, freedCount);
        ino.allocatedBlocks -= freedCount;
    }

    /** Maps an unmapped, block-aligned range to new blocks, merging with adjacent extents. */
    public void add(Extent e) {
        Extent merged = e;
        Extent left = e.logical() > 0 ? floor(e.logical() - 1) : null;
        boolean intoLeft = false;
        if (left != null && left.end(bs) == merged.logical() && left.start() + left.count() == merged.start()
                && left.flags() == merged.flags() && (long) left.count() + merged.count() <= Integer.MAX_VALUE) {
            merged = new Extent(left.start(), left.count() + merged.count(), merged.flags(), left.logical());
            intoLeft = true;
        }
        Extent right = ceiling(e.end(bs));
        if (right != null && right.logical() == e.end(bs) && merged.start() + merged.count() == right.start()
                && right.flags() == merged.flags() && (long) right.count() + merged.count() <= Integer.MAX_VALUE) {
            removeRaw(right);
            merged = new Extent(merged.start(), merged.count() + right.count(), merged.flags(), merged.logical());
        }
        if (intoLeft) {
            replaceRaw(merged);
        } else {
            insertRaw(merged);
        }
        ino.allocatedBlocks += e.count();
        finish();
    }

    /** Every extent in order, starting with the one covering or following {@code from}. */
    public void forEach(long from, ExtentVisitor visitor) {
        if (tree != null) {
            long[] f = tree.floor(from);
            long start = f != null && Extent.fromWords(f).end(bs) > from ? f[2] : from;
            for (BTree.Cursor c = tree.ceiling(start); c.valid(); c.next()) {
                if (!visitor.visit(checked(Extent.fromWords(c.entry())))) {
                    return;
                }
            }
        } else {
            for (Extent e : new ArrayList<>(ino.inline)) {
                if (e.end(bs) > from && !visitor.visit(checked(e))) {
                    return;
                }
            }
        }
    }

    /**
     * Every extent in logical order, pulled one at a time (validated like {@link #forEach}), for
     * walking two maps side by side. Valid until the map changes.
     */
    public Iterator<Extent> iterator() {
        if (tree == null) {
            return new ArrayList<>(ino.inline).stream().map(this::checked).iterator();
        }
        BTree.Cursor c = tree.first();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return c.valid();
            }

            @Override
            public Extent next() {
                if (!c.valid()) {
                    throw new NoSuchElementException();
                }
                Extent e = checked(Extent.fromWords(c.entry()));
                c.next();
                return e;
            }
        };
    }

    /** As {@link #forEach}, for visitors that do I/O: the first IOException stops the walk and is rethrown. */
    public void forEachIO(long from, IoVisitor visitor) throws IOException {
        IOException[] failure = new IOException[1];
        forEach(from, e -> {
            try {
                return visitor.visit(e);
            } catch (IOException ex) {
                failure[0] = ex;
                return false;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /**
     * Drops the file's reference to every extent (blocks nothing else holds are freed) and frees
     * the tree nodes; the file maps nothing afterwards.
     */
    public void freeAll() {
        RunList runs = new RunList();
        forEach(0, e -> {
            runs.add(e.start(), e.count());
            return true;
        });
        tx.releaseAll(runs.sortDisjoint());
        if (tree != null) {
            tree.freeAll();
            tree = null;
        }
        ino.inline.clear();
        ino.extentCount = 0;
        ino.allocatedBlocks = 0;
        finish();
    }

    /** Moves a tree that shrank to four extents back inline, and records the root in the inode. */
    private void finish() {
        if (tree != null && ino.extentCount <= InodeLayout.INLINE_EXTENTS) {
            List<Extent> all = new ArrayList<>();
            for (BTree.Cursor c = tree.first(); c.valid(); c.next()) {
                all.add(Extent.fromWords(c.entry()));
            }
            tree.freeAll();
            tree = null;
            ino.inline.clear();
            ino.inline.addAll(all);
        }
        ino.treeRoot = tree == null ? 0 : tree.root();
        ino.treeHeight = tree == null ? 0 : tree.height();
    }

    @FunctionalInterface
    public interface IoVisitor {
        /** Returns false to stop. */
        boolean visit(Extent e) throws IOException;
    }

    @FunctionalInterface
    public interface ExtentVisitor {
        /** Returns false to stop. */
        boolean visit(Extent e);
    }
}
