package dev.vde.check;

import dev.vde.alloc.BitmapCodec;
import dev.vde.alloc.Bits;
import dev.vde.btree.NodeLayout;
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
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Repairs an image as one transaction: what is derived (bitmap, counters, name index, sibling
 * links, tree shape, file counters) is rebuilt from the files that can be read; files that
 * cannot be saved are removed and named. Nothing the damaged image still references is
 * overwritten before the repair commits, so a crash during repair leaves the image as it was.
 */
public final class Repairer {
    /** What repair did. */
    public record Result(Checker before, List<String> removed, boolean changed) {
    }

    private Repairer() {
    }

    /** Checks and repairs the image on {@code dev} (opened for writing, locked). */
    public static Result repair(BlockDevice dev) throws IOException {
        Checker first = Checker.check(dev);
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
        // Space: what the repaired image keeps, and what only the damaged one holds (freed at commit).
        RangeSet keep = new RangeSet();
        RangeSet old = new RangeSet();
        for (UsedBlocks.Range r : c.used.sorted()) {
            (keptOwners.contains(r.owner()) ? keep : old).add(r.start(), r.end());
        }
        addOldBitmap(c, old);
        RangeSet oldOnly = old.minus(keep);
        writeBitmap(c, sb, t, keep, oldOnly);
        oldOnly.forEach((s, e) -> {
            long from = Math.max(s, sb.dataStart);
            if (e > from) {
                t.allocator().free(from, e - from);
            }
        });
        // Inodes: clear what is removed or unreadable, rewriting table blocks that fail their trailer.
        InodeTable inodes = rewriteInodeTable(c, t, kept);
        for (FileState f : kept) {
            Inode ino = f.inode;
            if (f.verdict == FileState.Verdict.REBUILD || f.countersWrong || f.hasExtentPastEof) {
                List<Extent> extents = cloneShared(t, readExtents(c, f), f.cloneRanges);
                ino.treeRoot = 0;
                ino.treeHeight = 0;
                ino.inline.clear();
                ino.extentCount = 0;
                ino.allocatedBlocks = 0;
                FileExtents map = new FileExtents(t, ino);
                for (Extent e : extents) {
                    map.add(e);
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
        new TreeWalk(c.blocks, NodeLayout.EXTENTS, c.sb, ino.number, ignored,
                "extent tree", ino.number, ino.name, scratch, scratch.owner("x", 0, null))
                .walk(ino.treeRoot, ino.treeHeight, w -> out.add(Extent.fromWords(w)));
        return out;
    }
}
