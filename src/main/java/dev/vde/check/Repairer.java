package dev.vde.check;

import dev.vde.alloc.BitmapCodec;
import dev.vde.alloc.Bits;
import dev.vde.alloc.RunList;
import dev.vde.btree.BTree;
import dev.vde.btree.BTreeBuilder;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CatalogRoot;
import dev.vde.format.CatalogRootCodec;
import dev.vde.format.InodeLayout;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.format.UnsupportedFormatException;
import dev.vde.inode.Extent;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeCodec;
import dev.vde.inode.InodeTable;
import dev.vde.inode.NameIndex;
import dev.vde.io.BlockDevice;
import dev.vde.io.Progress;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotDigest;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Repairs an image as one transaction: what is derived (bitmap, counters, name index, sibling
 * links, tree shape, file counters, the ref-count table, the snapshot list) is rebuilt from the
 * files and snapshots that can be read; files that cannot be saved are removed and named, and so
 * are snapshots, which go whole (one missing a file is not the state it froze). Nothing the
 * damaged image still references is overwritten before the repair commits, so a crash during
 * repair leaves the image as it was, and no block a kept file or snapshot maps is freed.
 */
public final class Repairer {
    /** What repair did. */
    public record Result(Checker before, List<String> removed, boolean changed) {
    }

    private Repairer() {
    }

    /** Checks and repairs the image on {@code dev} (opened for writing, locked). */
    public static Result repair(BlockDevice dev) throws IOException {
        return repair(dev, Progress.NONE);
    }

    /** As {@link #repair(BlockDevice)}, reporting the first check's progress to {@code progress}. */
    public static Result repair(BlockDevice dev, Progress progress) throws IOException {
        Checker first = Checker.check(dev, progress);
        Checker c = first;
        if (!c.complete()) {
            // Without the structures there is nothing to rebuild from: write nothing.
            return new Result(first, List.of(), false);
        }
        if (c.sb.writeVersion > Superblock.FORMAT_VERSION) {
            throw new UnsupportedFormatException("image can only be changed by a writer of format version "
                    + c.sb.writeVersion + "; this vde writes version " + Superblock.FORMAT_VERSION);
        }
        if (c.pending != null) {
            new Journal(dev, c.sb.walStart, c.sb.walBlocks).replay(c.pending);
            c = Checker.check(dev);
        }
        if (c.findings().isClean()) {
            return new Result(first, List.of(), c != first);
        }
        List<String> removed = new ArrayList<>();
        Transaction t = new Transaction(dev, c.sb, Map.of());
        rebuild(c, t, removed);
        Journal journal = new Journal(dev, c.sb.walStart, c.sb.walBlocks);
        t.commit(journal);
        if (c.superblockCopyBad[0] || c.superblockCopyBad[1]) {
            // A commit writes one copy; a second one rewrites the other.
            new Transaction(dev, t.superblock(), Map.of()).commit(journal);
        }
        return new Result(first, removed, true);
    }

    private static void rebuild(Checker c, Transaction t, List<String> removed) {
        Superblock sb = t.superblock();
        List<FileState> kept = new ArrayList<>();
        Set<Integer> keptOwners = new HashSet<>();
        keptOwners.add(0); // the metadata regions
        for (FileState f : c.files) {
            if (f.verdict == FileState.Verdict.LOST || f.dropped) {
                removed.add("inode " + f.inode.number + " '" + f.inode.name + "'");
                continue;
            }
            kept.add(f);
            keptOwners.add(f.owner);
            if (f.verdict == FileState.Verdict.OK) {
                keptOwners.add(f.treeOwner);
            }
        }
        for (long n : c.unreadableInodes) {
            removed.add("inode " + n + " (its record cannot be read)");
        }
        // Snapshots stay whole or go whole: one kept as it is keeps its pages and trees; one
        // rewritten gets new ones, mapping the same data (less what lay past a file's end).
        List<SnapState> keptSnaps = new ArrayList<>();
        Map<FileState, List<Extent>> frozen = new HashMap<>();
        for (SnapState s : c.snapshots) {
            if (s.verdict == SnapState.Verdict.DROP) {
                // With the id: two snapshots may share a name when that is the damage.
                removed.add("snapshot '" + s.record.name + "' (id " + s.record.id + ": " + s.dropReason + ")");
                continue;
            }
            keptSnaps.add(s);
            for (FileState f : s.files) {
                if (s.verdict == SnapState.Verdict.OK) {
                    keptOwners.add(f.owner);
                    keptOwners.add(f.treeOwner);
                } else {
                    frozen.put(f, trim(readExtents(c, f), f.inode.size, sb.blockSize));
                }
            }
            if (s.verdict == SnapState.Verdict.OK) {
                keptOwners.add(s.pagesOwner);
            }
        }
        removed.addAll(c.lostSnapshots);
        // Space: what the repaired image keeps, and what only the damaged one holds (freed at
        // commit); data that a holder gets a copy of stays with the holder that had it first.
        RangeSet keep = new RangeSet();
        RangeSet old = new RangeSet();
        Map<Integer, Runs> held = new HashMap<>();
        c.used.forEach((s, e, o) -> {
            UsedBlocks.Owner owner = c.used.ownerOf(o);
            if (!keptOwners.contains(o)) {
                old.add(s, e);
                return;
            }
            FileState f = owner.isData() ? c.byOwner.get(o) : null;
            if (f == null || f.cloneRanges.isEmpty()) {
                keep.add(s, e);
                if (owner.isData()) {
                    held.computeIfAbsent(owner.domain(), d -> new Runs()).add(s, e, o);
                }
                return;
            }
            old.add(s, e);
            outside(s, e, cut(f.cloneRanges), (ps, pe) -> {
                keep.add(ps, pe);
                held.computeIfAbsent(owner.domain(), d -> new Runs()).add(ps, pe, o);
            });
        });
        frozen.forEach((f, extents) -> {
            RangeSet copied = cut(f.cloneRanges);
            for (Extent e : extents) {
                outside(e.start(), e.start() + e.count(), copied, (ps, pe) -> {
                    keep.add(ps, pe);
                    held.computeIfAbsent(f.snapshot.domain, d -> new Runs()).add(ps, pe, f.owner);
                });
            }
        });
        addOldBitmap(c, old);
        RangeSet oldOnly = old.minus(keep);
        writeBitmap(c, sb, t, keep, oldOnly);
        oldOnly.forEach((s, e) -> {
            long from = Math.max(s, sb.dataStart);
            if (e > from) {
                t.allocator().free(from, e - from);
            }
        });
        if (sb.catalogBlock != 0) {
            // Before any file is rebuilt: its unmaps then drop references against true counts.
            writeCatalog(c, t, keptSnaps, held, frozen);
        }
        // Inodes: clear what is removed or unreadable, rewriting table blocks that fail their trailer.
        InodeTable inodes = rewriteInodeTable(c, t, kept);
        for (FileState f : kept) {
            Inode ino = f.inode;
            if (f.needsRewrite()) {
                List<Extent> extents = cloneShared(t, readExtents(c, f), f.cloneRanges);
                ino.treeRoot = 0;
                ino.treeHeight = 0;
                ino.inline.clear();
                ino.extentCount = 0;
                ino.allocatedBlocks = 0;
                FileExtents map = new FileExtents(t, ino);
                for (Extent e : extents) {
                    map.add(new Extent(e.start(), e.count(), e.flags() & ~Extent.SHARED_COW, e.logical()));
                }
                long end = (ino.size + sb.blockSize - 1) / sb.blockSize * sb.blockSize;
                map.punch(end, InodeCodec.MAX_FILE_SIZE);
                inodes.put(ino);
            }
        }
        sb.nameRoot = 0;
        sb.nameHeight = 0;
        NameIndex names = new NameIndex(t, inodes);
        for (FileState f : kept) {
            names.insert(f.inode.name, f.inode.number);
        }
        sb.fileCount = kept.size();
        sb.nextInodeHint = 1;
    }

    /**
     * A fresh catalog: the ref-count table rebuilt from what every kept holder maps (the live
     * state and each snapshot count once per block), the snapshots rewritten where needed, and a
     * new list. Nothing of the old catalog is read again: its root, list and table may be what is
     * damaged.
     */
    private static void writeCatalog(Checker c, Transaction t, List<SnapState> keptSnaps, Map<Integer, Runs> held,
            Map<FileState, List<Extent>> frozen) {
        Superblock sb = t.superblock();
        RunList runs = new RunList();
        for (Runs r : held.values()) {
            r.sort();
            r.unionInto(runs);
        }
        Runs holders = Runs.depth(runs);
        BTreeBuilder table = new BTreeBuilder(new NodeCodec(NodeLayout.REFCOUNTS, sb.blockSize), t,
                Transaction.REFCOUNT_OWNER);
        for (int i = 0; i < holders.size(); i++) {
            if (holders.value(i) > 1) {
                table.add(new long[] {holders.from(i), holders.to(i) - holders.from(i), holders.value(i)});
            }
        }
        BTree refs = table.finish();
        List<SnapState> byId = new ArrayList<>(keptSnaps);
        byId.sort(Comparator.comparingLong(s -> s.record.id));
        CatalogRoot root = new CatalogRoot();
        long lastId = byId.isEmpty() ? 0 : byId.get(byId.size() - 1).record.id;
        root.nextSnapshotId = Math.max(c.catalog == null ? 1 : c.catalog.nextSnapshotId, lastId + 1);
        root.refRoot = refs.root();
        root.refHeight = refs.height();
        t.seal(sb.snapStart, CatalogRootCodec.encode(root, sb.blockSize), Tag.SNAP);
        sb.catalogBlock = sb.snapStart;
        Catalog catalog = new Catalog(t);
        List<SnapshotRecord> records = new ArrayList<>();
        for (SnapState s : byId) {
            SnapshotRecord r = s.record.clone();
            if (s.verdict == SnapState.Verdict.REWRITE) {
                rewriteFiles(t, catalog, s, r, frozen);
            }
            summarize(s, r);
            records.add(r);
        }
        catalog.replaceList(records);
    }

    /** New extent trees (or inline maps) and a new file table for a snapshot, in inode order. */
    private static void rewriteFiles(Transaction t, Catalog catalog, SnapState s, SnapshotRecord r,
            Map<FileState, List<Extent>> frozen) {
        NodeCodec codec = new NodeCodec(NodeLayout.EXTENTS, t.blockSize());
        List<FileState> files = new ArrayList<>(s.files);
        files.sort(Comparator.comparingLong(f -> f.inode.number));
        List<Inode> table = new ArrayList<>();
        for (FileState f : files) {
            Inode ino = f.inode;
            List<Extent> extents = new ArrayList<>();
            for (Extent e : cloneShared(t, frozen.get(f), f.cloneRanges)) {
                extents.add(new Extent(e.start(), e.count(), e.flags() | Extent.SHARED_COW, e.logical()));
            }
            ino.inline.clear();
            ino.treeRoot = 0;
            ino.treeHeight = 0;
            f.nodes = 0;
            if (extents.size() <= InodeLayout.INLINE_EXTENTS) {
                ino.inline.addAll(extents);
            } else {
                BTreeBuilder b = new BTreeBuilder(codec, t, ino.treeOwner());
                extents.forEach(e -> b.add(e.toWords()));
                BTree tree = b.finish();
                ino.treeRoot = tree.root();
                ino.treeHeight = tree.height();
                f.nodes = b.nodes();
            }
            ino.extentCount = extents.size();
            ino.allocatedBlocks = extents.stream().mapToLong(Extent::count).sum();
            f.extents = ino.extentCount;
            f.blocks = ino.allocatedBlocks;
            table.add(ino);
        }
        catalog.writeFiles(r, table);
        s.pages.clear();
        catalog.forEachPage(r.filesHead, r.filesPages, s.label + " file table", Tag.SFIL, s.pages::add);
    }

    /** The record's derived fields, from its files as the check read them (or as they were rewritten). */
    private static void summarize(SnapState s, SnapshotRecord r) {
        r.fileCount = s.files.size();
        r.bytes = 0;
        r.extentCount = 0;
        r.dataBlocks = 0;
        SnapshotDigest digest = new SnapshotDigest();
        boolean known = true;
        for (FileState f : s.files) {
            r.bytes += f.inode.size;
            r.extentCount += f.extents;
            r.dataBlocks += f.blocks;
            if (f.inode.digest == null) {
                known = false;
            } else {
                digest.add(f.inode.name, f.inode.size, f.inode.digest);
            }
        }
        r.metaBlocks = s.metaBlocks();
        if (known) {
            r.digest = digest.value();
        }
    }

    /** The extents with everything at or past the end of the file's last block cut off. */
    private static List<Extent> trim(List<Extent> extents, long size, int bs) {
        long end = (size + bs - 1) / bs * bs;
        List<Extent> out = new ArrayList<>(extents.size());
        for (Extent e : extents) {
            if (e.logical() >= end) {
                continue;
            }
            out.add(e.end(bs) <= end ? e : new Extent(e.start(), (int) ((end - e.logical()) / bs), e.flags(),
                    e.logical()));
        }
        return out;
    }

    private static RangeSet cut(List<long[]> ranges) {
        RangeSet r = new RangeSet();
        ranges.forEach(x -> r.add(x[0], x[1]));
        return r;
    }

    /** Visits the parts of [start, end) outside {@code cut}. */
    private static void outside(long start, long end, RangeSet cut, RangeSet.RangeVisitor v) {
        long[] pos = {start};
        cut.forEachIn(start, end, (cs, ce) -> {
            if (cs > pos[0]) {
                v.visit(pos[0], cs);
            }
            pos[0] = ce;
        });
        if (end > pos[0]) {
            v.visit(pos[0], end);
        }
    }

    /** Blocks the damaged bitmap marks: not reused before the commit either. */
    private static void addOldBitmap(Checker c, RangeSet old) {
        Superblock sb = c.sb;
        long bitsPerPage = sb.bitsPerBitmapBlock();
        RawBlocks raw = c.blocks;
        String[] why = new String[1];
        for (long p = 0; p < sb.bitmapHighWater; p++) {
            if (c.badBitmapPages.contains(p)) {
                continue;
            }
            long[] words = BitmapCodec.decode(raw.readVerified(sb.bitmapStart + p, Tag.BMAP, why));
            long base = p * bitsPerPage;
            Bits.forEachSetRun(words, Math.min(bitsPerPage, sb.totalBlocks - base),
                    (s, e) -> old.add(base + s, base + e));
        }
    }

    /** Writes every bitmap block up to the highest one in use, from the two range sets. */
    private static void writeBitmap(Checker c, Superblock sb, Transaction t, RangeSet keep, RangeSet oldOnly) {
        RangeSet all = keep.union(oldOnly);
        long bitsPerPage = sb.bitsPerBitmapBlock();
        long last = all.isEmpty() ? 0 : (all.max() - 1) / bitsPerPage;
        long pages = Math.max(c.sb.bitmapHighWater, last + 1);
        int words = BitmapCodec.wordsPerPage(sb.blockSize);
        long usedData = 0;
        for (long p = 0; p < pages; p++) {
            long[] w = new long[words];
            long base = p * bitsPerPage;
            long end = Math.min(sb.totalBlocks, base + bitsPerPage);
            long[] count = {0};
            all.forEachIn(base, end, (s, e) -> {
                Bits.set(w, s - base, e - base);
                count[0] += Math.max(0, e - Math.max(s, sb.dataStart));
            });
            usedData += count[0];
            t.write(sb.bitmapStart + p, BitmapCodec.encode(w, sb.blockSize, t.txid()));
        }
        sb.bitmapHighWater = pages;
        sb.freeBlocks = sb.totalBlocks - sb.dataStart - usedData;
    }

    private static InodeTable rewriteInodeTable(Checker c, Transaction t, List<FileState> kept) {
        Superblock sb = t.superblock();
        int perBlock = sb.inodesPerBlock();
        Set<Long> keptNumbers = new HashSet<>();
        kept.forEach(f -> keptNumbers.add(f.inode.number));
        RawBlocks raw = c.blocks;
        String[] why = new String[1];
        for (long first = 1; first < sb.inodeHighWater; first += perBlock) {
            long block = sb.inodeStart + (first - 1) / perBlock;
            byte[] b = c.badInodeBlocks.contains(block) ? null : raw.readVerified(block, Tag.INOD, why);
            boolean changed = b == null;
            if (b == null) {
                b = new byte[sb.blockSize];
            }
            for (long n = first; n < Math.min(sb.inodeHighWater, first + perBlock); n++) {
                int off = (int) ((n - 1) % perBlock) * InodeLayout.SIZE;
                boolean inUse = LE.u16(b, off) != 0;
                if (inUse && !keptNumbers.contains(n)) {
                    InodeCodec.clear(b, off);
                    changed = true;
                }
            }
            if (changed) {
                t.seal(block, b, Tag.INOD);
            }
        }
        return new InodeTable(t);
    }

    /**
     * Gives a file its own copy of blocks another holder had first: the parts of its extents
     * inside {@code ranges} are copied to newly allocated blocks and remapped there. The shared
     * originals stay with the first holder, untouched.
     */
    private static List<Extent> cloneShared(Transaction t, List<Extent> extents, List<long[]> ranges) {
        if (ranges.isEmpty()) {
            return extents;
        }
        int bs = t.blockSize();
        List<Extent> out = new ArrayList<>();
        byte[] buf = new byte[bs];
        for (Extent e : extents) {
            long pos = e.start();
            long end = e.start() + e.count();
            while (pos < end) {
                long cut = end;
                boolean shared = false;
                for (long[] r : ranges) {
                    if (pos >= r[0] && pos < r[1]) {
                        shared = true;
                        cut = Math.min(cut, r[1]);
                    } else if (r[0] > pos) {
                        cut = Math.min(cut, r[0]);
                    }
                }
                long logical = e.logical() + (pos - e.start()) * bs;
                long n = cut - pos;
                if (!shared) {
                    out.add(new Extent(pos, (int) n, e.flags(), logical));
                } else {
                    long done = 0;
                    while (done < n) {
                        dev.vde.alloc.Run run = t.allocator().allocate(0, n - done);
                        try {
                            for (long i = 0; i < run.length(); i++) {
                                t.device().read(pos + done + i, buf, 0);
                                t.device().write(run.start() + i, buf, 0);
                            }
                        } catch (IOException ex) {
                            throw new java.io.UncheckedIOException(ex);
                        }
                        out.add(new Extent(run.start(), (int) run.length(), e.flags(), logical + done * bs));
                        done += run.length();
                    }
                }
                pos = cut;
            }
        }
        return out;
    }

    /** A file's extents in order, read again (the check found them all readable). */
    private static List<Extent> readExtents(Checker c, FileState f) {
        List<Extent> out = new ArrayList<>();
        Inode ino = f.inode;
        if (!ino.hasTree()) {
            out.addAll(ino.inline);
            return out;
        }
        Findings ignored = new Findings();
        UsedBlocks scratch = new UsedBlocks();
        new TreeWalk(c.blocks, NodeLayout.EXTENTS, c.sb, ino.treeOwner(), ignored,
                "extent tree", ino.number, ino.name, scratch, scratch.owner("x", 0, null))
                .walk(ino.treeRoot, ino.treeHeight, w -> out.add(Extent.fromWords(w)));
        return out;
    }
}
