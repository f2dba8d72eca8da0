package dev.vde.delta;

import dev.vde.format.CorruptImageException;
import dev.vde.inode.Extent;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.wal.Transaction;
import java.util.Iterator;
import java.util.List;

/**
 * Computes the change from a base snapshot to a newer one from metadata alone, in
 * O(files + extents of the files modified since the base): a file not modified since the base
 * (its modification txid is at most the base's txid, and it is the same file: same creation
 * txid) is skipped without walking its tree, and a range that both snapshots map to the same
 * physical blocks is skipped without reading it. That is sound because data blocks are never
 * written in place while anything references them: the same block means the same bytes.
 *
 * <p>Planning holds one file's cursors at a time, never a list of changes: a caller that needs
 * counts before streaming (the delta header's extent count) plans twice.
 */
public final class DiffPlanner {
    private final Transaction tx;
    private final int bs;

    public DiffPlanner(Transaction tx) {
        this.tx = tx;
        this.bs = tx.blockSize();
    }

    /**
     * Visits every change from {@code base} to {@code target} in apply order.
     *
     * @param base     the base snapshot's frozen files in inode order, empty for a full delta
     * @param baseTxid the txid the base was taken at, or -1 for a full delta
     * @param target   the newer snapshot's frozen files in inode order
     */
    public DiffStats plan(List<Inode> base, long baseTxid, List<Inode> target, DiffVisitor v) {
        long created = 0;
        long deleted = 0;
        long renamed = 0;
        long unchanged = 0;
        long walked = 0;
        long[] ship = new long[3]; // extents, blocks shipped, blocks skipped
        long[] holes = new long[1];
        // Deletions first: a replaced inode number or a name taken by another file is free afterwards.
        int i = 0;
        for (Inode t : target) {
            while (i < base.size() && base.get(i).number < t.number) {
                v.delete(base.get(i++).number);
                deleted++;
            }
            if (i < base.size() && base.get(i).number == t.number && !sameFile(base.get(i), t)) {
                v.delete(base.get(i++).number);
                deleted++;
            } else if (i < base.size() && base.get(i).number == t.number) {
                i++;
            }
        }
        while (i < base.size()) {
            v.delete(base.get(i++).number);
            deleted++;
        }
        i = 0;
        for (Inode t : target) {
            while (i < base.size() && base.get(i).number < t.number) {
                i++;
            }
            Inode b = i < base.size() && base.get(i).number == t.number && sameFile(base.get(i), t) ? base.get(i) : null;
            if (b == null) {
                v.create(t);
                v.size(t.number, t.size);
                created++;
                walk(null, t, ship, holes, v);
                v.fileDone(t);
                continue;
            }
            if (!b.name.equals(t.name)) {
                v.rename(t.number, t.name);
                renamed++;
            }
            if (t.modifyTxid <= baseTxid) {
                if (t.size != b.size) {
                    throw new CorruptImageException(-1, "inode " + t.number, "size changed from " + b.size + " to "
                            + t.size + " without a modification after txid " + baseTxid);
                }
                unchanged++;
                continue;
            }
            walked++;
            if (t.size != b.size) {
                v.size(t.number, t.size);
            }
            walk(b, t, ship, holes, v);
            v.fileDone(t);
        }
        return new DiffStats(created, deleted, renamed, unchanged, walked, ship[0], ship[1], ship[2], holes[0]);
    }

    /** The same file in both snapshots: same inode number and created by the same transaction. */
    private static boolean sameFile(Inode a, Inode b) {
        return a.createTxid == b.createTxid;
    }

    /**
     * Sweeps the two extent maps in logical order, segment by segment. A segment the new map
     * covers is shipped unless the base maps it to the same physical blocks; a segment only the
     * base maps, below the new size, becomes a hole (the size record already cut what lies
     * beyond). Adjacent shipped segments of one extent, and adjacent holes, go out as one record.
     */
    private void walk(Inode base, Inode target, long[] ship, long[] holes, DiffVisitor v) {
        Iterator<Extent> bi = base == null ? java.util.Collections.emptyIterator() : new FileExtents(tx, base).iterator();
        Iterator<Extent> ti = new FileExtents(tx, target).iterator();
        long end = (target.size + bs - 1) / bs * bs;
        Extent be = bi.hasNext() ? bi.next() : null;
        Extent te = ti.hasNext() ? ti.next() : null;
        Pending piece = new Pending();
        Pending hole = new Pending();
        long pos = 0;
        while (be != null || te != null) {
            long bFrom = be == null ? Long.MAX_VALUE : Math.max(pos, be.logical());
            long tFrom = te == null ? Long.MAX_VALUE : Math.max(pos, te.logical());
            long from = Math.min(bFrom, tFrom);
            boolean inB = bFrom == from && be != null;
            boolean inT = tFrom == from && te != null;
            long to = Math.min(inB ? be.end(bs) : bFrom, inT ? te.end(bs) : tFrom);
            if (inB && inT && physical(be, from) == physical(te, from)) {
                ship[2] += (to - from) / bs;
            } else if (inT) {
                if (piece.extent != te || piece.to != from) {
                    flushPiece(target.number, piece, ship, v);
                    piece.extent = te;
                    piece.from = from;
                }
                piece.to = to;
            } else if (from < end) {
                if (hole.to != from) {
                    flushHole(target.number, hole, holes, v);
                    hole.from = from;
                }
                hole.to = Math.min(to, end);
            }
            pos = to;
            if (be != null && be.end(bs) <= pos) {
                be = bi.hasNext() ? bi.next() : null;
            }
            if (te != null && te.end(bs) <= pos) {
                te = ti.hasNext() ? ti.next() : null;
            }
        }
        flushPiece(target.number, piece, ship, v);
        flushHole(target.number, hole, holes, v);
    }

    /** A run being gathered: a piece of one extent to ship, or a hole. */
    private static final class Pending {
        Extent extent;
        long from = -1;
        long to = -1;
    }

    private void flushPiece(long inode, Pending p, long[] ship, DiffVisitor v) {
        if (p.extent != null && p.to > p.from) {
            int count = (int) ((p.to - p.from) / bs);
            v.extent(inode, new Extent(physical(p.extent, p.from), count, p.extent.flags(), p.from));
            ship[0]++;
            ship[1] += count;
        }
        p.extent = null;
        p.from = -1;
        p.to = -1;
    }

    private static void flushHole(long inode, Pending p, long[] holes, DiffVisitor v) {
        if (p.to > p.from && p.from >= 0) {
            v.hole(inode, p.from, p.to - p.from);
            holes[0]++;
        }
        p.from = -1;
        p.to = -1;
    }

    private long physical(Extent e, long logical) {
        return e.start() + (logical - e.logical()) / bs;
    }
}
