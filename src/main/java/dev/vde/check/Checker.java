package dev.vde.check;

import dev.vde.alloc.BitmapCodec;
import dev.vde.alloc.Bits;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CorruptImageException;
import dev.vde.format.InodeLayout;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.format.Tag;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeCodec;
import dev.vde.inode.NameIndex;
import dev.vde.io.BlockDevice;
import dev.vde.wal.Journal;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads every metadata structure of an image and reports each problem with its location. It
 * never writes. Memory follows the metadata it must hold (one entry per file, one range per
 * extent and node), never the size of the image: bitmap blocks are compared one at a time, and
 * blocks above the high-water marks (never written) are not read at all.
 */
public final class Checker {
    private final BlockDevice dev;
    private final Findings findings = new Findings();
    final UsedBlocks used = new UsedBlocks();
    final List<FileState> files = new ArrayList<>();
    /** Inode numbers whose records could not be read (their table block or the record is bad). */
    final Set<Long> unreadableInodes = new HashSet<>();
    final Set<Long> badBitmapPages = new HashSet<>();
    final Set<Long> badInodeBlocks = new HashSet<>();
    Superblock sb;
    boolean[] superblockCopyBad = new boolean[2];
    private final String[] copyProblem = new String[2];
    Journal.Pending pending;
    boolean walHeaderBad;
    boolean nameIndexNeedsRebuild;
    int nameIndexOwner = -1;
    long freeBlocksCounted;
    /** How the check read blocks; repair reads through it too (after a replay it has no overlay). */
    RawBlocks blocks;
    private boolean complete;

    private Checker(BlockDevice dev) {
        this.dev = dev;
    }

    /** Checks the image on {@code dev}; nothing is written. */
    public static Checker check(BlockDevice dev) throws IOException {
        Checker c = new Checker(dev);
        c.run();
        return c;
    }

    public Findings findings() {
        return findings;
    }

    /** The superblock the check went by, or null if none was valid. */
    public Superblock superblock() {
        return sb;
    }

    public int files() {
        return files.size();
    }

    private void add(Kind kind, long block, String structure, long inode, String name, String message) {
        findings.add(new Finding(kind, block, structure, inode, name, message));
    }

    /**
     * False when the check could not look at the structures (no valid superblock, a truncated
     * file): then there is nothing a repair could rebuild from.
     */
    public boolean complete() {
        return complete;
    }

    private void run() throws IOException {
        if (!checkSuperblocks()) {
            reportSuperblockCopies();
            return;
        }
        complete = true;
        checkWal();
        reportSuperblockCopies();
        blocks = new RawBlocks(dev, pending == null ? Map.of() : pending.homeToLog, sb.txid);
        used.add(0, sb.dataStart, used.owner("metadata regions", 0, null));
        checkBitmapBlocks();
        checkInodeTable();
        Map<Long, List<Long>> keysByInode = checkNameIndex();
        checkFiles();
        checkNames(keysByInode);
        checkSpace();
    }

    // ---- superblocks and log ----

    private boolean checkSuperblocks() throws IOException {
        Superblock[] copies = new Superblock[2];
        for (int slot = 0; slot < 2 && slot < dev.blockCount(); slot++) {
            byte[] b = new byte[dev.blockSize()];
            dev.read(slot, b, 0);
            try {
                copies[slot] = SuperblockCodec.decode(b, slot);
            } catch (CorruptImageException e) {
                superblockCopyBad[slot] = true;
                copyProblem[slot] = e.getMessage().replaceFirst("^block \\d+ \\([^)]*\\): ", "");
            }
        }
        if (copies[0] == null && copies[1] == null) {
            sb = Journal.superblockFromLog(dev);
            if (sb == null) {
                add(Kind.NO_SUPERBLOCK, -1, "superblock", 0, null, "neither copy is valid and the log holds none: "
                        + "nothing else can be checked");
                return false;
            }
            for (int slot = 0; slot < 2; slot++) {
                copyProblem[slot] += "; both copies are lost, the log's copy of transaction " + sb.txid + " is used";
            }
        } else {
            sb = copies[0] == null || (copies[1] != null && copies[1].txid > copies[0].txid) ? copies[1] : copies[0];
        }
        for (int slot = 0; slot < 2; slot++) {
            Superblock c = copies[slot];
            if (c != null && c != sb && (c.blockSize != sb.blockSize || c.totalBlocks != sb.totalBlocks
                    || !c.uuid.equals(sb.uuid) || c.dataStart != sb.dataStart)) {
                superblockCopyBad[slot] = true;
                copyProblem[slot] = "describes another image than block " + (1 - slot) + " (size, uuid or regions differ)";
            }
        }
        if (sb.totalBlocks > dev.blockCount()) {
            add(Kind.TRUNCATED, -1, "image", 0, null, "the file holds " + dev.blockCount()
                    + " blocks, the superblock says " + sb.totalBlocks + ": the image is truncated; nothing else was"
                    + " checked and repair will not touch it");
            return false;
        }
        return true;
    }

    /**
     * A copy that a pending committed log rewrites was cut off while being written home (the last
     * step of a checkpoint): replay restores it, so it is a note, not damage.
     */
    private void reportSuperblockCopies() {
        for (int slot = 0; slot < 2; slot++) {
            if (copyProblem[slot] == null) {
                continue;
            }
            // One crash tears either the log header or a superblock copy (written after the
            // header's sync), never both: with both unreadable, this is damage.
            if (pending != null && pending.homeToLog.containsKey((long) slot) && !walHeaderBad) {
                add(Kind.SUPERBLOCK_PENDING, slot, "superblock", 0, null, copyProblem[slot]
                        + "; the pending log rewrites this copy");
            } else {
                add(Kind.SUPERBLOCK_COPY, slot, "superblock", 0, null, copyProblem[slot]
                        + (sb != null && copyProblem[1 - slot] == null ? "; the other copy is used" : ""));
            }
        }
    }

    private void checkWal() throws IOException {
        Journal journal = new Journal(dev, sb.walStart, sb.walBlocks);
        boolean headerReadable = journal.header() != null;
        try {
            pending = journal.recover(sb.txid);
        } catch (CorruptImageException e) {
            add(Kind.WAL_LOG, e.block(), "WAL", 0, null, e.getMessage() + "; checked without it");
            return;
        }
        if (!headerReadable) {
            walHeaderBad = true;
            boolean copyBad = copyProblem[0] != null || copyProblem[1] != null;
            if (pending != null) {
                // A crash tears the header or a superblock copy, never both: with a bad copy too,
                // the header is damaged, not torn.
                add(copyBad ? Kind.WAL_HEADER : Kind.WAL_INTERRUPTED, sb.walStart, "WAL header", 0, null,
                        "unreadable (" + (copyBad ? "damaged" : "torn at the commit point, or damaged") + "), but the log"
                        + " of transaction " + pending.txid + " is complete and verifies: it is checked as replayed, and"
                        + " the next write or --repair applies it");
            } else {
                add(Kind.WAL_HEADER, sb.walStart, "WAL header", 0, null,
                        "unreadable; the log holds no complete transaction to replay");
            }
        }
        if (pending != null) {
            byte[] b = new byte[dev.blockSize()];
            long slot = pending.homeToLog.get(pending.txid & 1);
            dev.read(slot, b, 0);
            sb = SuperblockCodec.decode(b, slot);
            if (headerReadable) {
                add(Kind.WAL_PENDING, sb.walStart, "WAL", 0, null, "transaction " + pending.txid
                        + " is committed but not yet copied home; checked as replayed (the next write or --repair applies it)");
            }
        }
    }

    // ---- fixed regions ----

    private void checkBitmapBlocks() {
        String[] why = new String[1];
        for (long p = 0; p < sb.bitmapHighWater; p++) {
            if (blocks.readVerified(sb.bitmapStart + p, Tag.BMAP, why) == null) {
                badBitmapPages.add(p);
                add(Kind.BAD_BLOCK, sb.bitmapStart + p, "bitmap", 0, null, why[0]);
            }
        }
    }

    private void checkInodeTable() {
        int perBlock = sb.inodesPerBlock();
        String[] why = new String[1];
        for (long first = 1; first < sb.inodeHighWater; first += perBlock) {
            long block = sb.inodeStart + (first - 1) / perBlock;
            long last = Math.min(sb.inodeHighWater, first + perBlock);
            byte[] b = blocks.readVerified(block, Tag.INOD, why);
            if (b == null) {
                badInodeBlocks.add(block);
                for (long n = first; n < last; n++) {
                    unreadableInodes.add(n);
                }
                add(Kind.BAD_BLOCK, block, "inode table", 0, null, why[0] + "; inodes " + first + " to " + (last - 1)
                        + " cannot be read");
                continue;
            }
            for (long n = first; n < last; n++) {
                int off = (int) ((n - 1) % perBlock) * InodeLayout.SIZE;
                try {
                    Inode ino = InodeCodec.decode(b, off, n, block);
                    if (ino != null) {
                        files.add(new FileState(ino, used.owner("file", n, ino.name),
                                used.owner("extent tree", n, ino.name)));
                    }
                } catch (CorruptImageException e) {
                    unreadableInodes.add(n);
                    add(Kind.INODE, block, "inode table", n, null, e.getMessage().replaceFirst("^block \\d+ \\([^)]*\\): ", ""));
                }
            }
        }
    }

    // ---- name index ----

    private Map<Long, List<Long>> checkNameIndex() {
        Map<Long, List<Long>> keysByInode = new HashMap<>();
        if (sb.nameRoot == 0) {
            return keysByInode;
        }
        nameIndexOwner = used.owner("name index", 0, null);
        TreeWalk walk = new TreeWalk(blocks, NodeLayout.NAMES, sb, 0, findings, "name index", 0, null, used,
                nameIndexOwner);
        TreeWalk.Result r = walk.walk(sb.nameRoot, sb.nameHeight,
                e -> keysByInode.computeIfAbsent(e[1], k -> new ArrayList<>()).add(e[0]));
        nameIndexNeedsRebuild = r.lost || r.misshapen;
        return keysByInode;
    }

    private void checkNames(Map<Long, List<Long>> keysByInode) {
        Set<Long> keys = new HashSet<>();
        keysByInode.values().forEach(keys::addAll);
        Map<String, FileState> byName = new HashMap<>();
        for (FileState f : files) {
            Inode ino = f.inode;
            FileState other = byName.putIfAbsent(ino.name, f);
            if (other != null) {
                f.dropped = true;
                add(Kind.NAME_DUPLICATE, -1, "inode table", ino.number, ino.name, "inode " + other.inode.number
                        + " has the same name");
            }
            List<Long> mine = keysByInode.remove(ino.number);
            if (mine == null || mine.isEmpty()) {
                nameIndexNeedsRebuild = true;
                add(Kind.NAME_MISSING, -1, "name index", ino.number, ino.name, "the file has no name-index entry");
                continue;
            }
            if (mine.size() > 1) {
                nameIndexNeedsRebuild = true;
                add(Kind.NAME_DUPLICATE, -1, "name index", ino.number, ino.name, mine.size() + " entries for one file");
            }
            long home = NameIndex.hash(ino.name);
            long k = mine.get(0);
            boolean onPath = true;
            for (long probe = home; probe != k && onPath; probe++) {
                onPath = keys.contains(probe);
            }
            if (!onPath) {
                nameIndexNeedsRebuild = true;
                add(Kind.NAME_MISSING, -1, "name index", ino.number, ino.name, "entry at key " + k
                        + " cannot be found from the name's hash " + home);
            }
        }
        for (Map.Entry<Long, List<Long>> e : keysByInode.entrySet()) {
            nameIndexNeedsRebuild = true;
            add(Kind.NAME_DANGLING, -1, "name index", e.getKey(), null, "entry names inode " + e.getKey()
                    + (unreadableInodes.contains(e.getKey()) ? ", whose record cannot be read" : ", which is not in use"));
        }
    }

    // ---- files ----

    private void checkFiles() {
        for (FileState f : files) {
            checkFile(f);
        }
    }

    /** Walks one file's extents (inline or tree), recording each extent's blocks as the file's. */
    void checkFile(FileState f) {
        Inode ino = f.inode;
        int bs = sb.blockSize;
        long[] state = {0, 0, Long.MIN_VALUE}; // extents, blocks, end of the previous extent
        boolean[] bad = {false, false};         // an invalid extent, an extent past EOF
        java.util.function.Consumer<long[]> visit = w -> {
            Extent e = Extent.fromWords(w);
            state[0]++;
            if (e.count() < 1 || e.logical() < 0 || e.logical() % bs != 0 || e.start() < sb.dataStart
                    || e.start() > sb.totalBlocks - e.count()
                    || e.logical() > InodeCodec.MAX_FILE_SIZE - (long) e.count() * bs) {
                bad[0] = true;
                add(Kind.EXTENT, -1, "extents", ino.number, ino.name, "extent " + describe(e)
                        + " is malformed or outside the data region");
                return;
            }
            if (e.logical() < state[2]) {
                bad[0] = true;
                add(Kind.EXTENT_OVERLAP, -1, "extents", ino.number, ino.name, "extent " + describe(e)
                        + " overlaps the one before it (which ends at byte " + state[2] + ")");
            }
            if (e.logical() >= (ino.size + bs - 1) / bs * bs) {
                bad[1] = true;
            }
            state[1] += e.count();
            state[2] = e.end(bs);
            used.add(e.start(), e.count(), f.owner);
        };
        if (ino.hasTree()) {
            TreeWalk walk = new TreeWalk(blocks, NodeLayout.EXTENTS, sb, ino.number, findings, "extent tree",
                    ino.number, ino.name, used, f.treeOwner);
            TreeWalk.Result r = walk.walk(ino.treeRoot, ino.treeHeight, visit);
            if (r.lost) {
                f.worsen(FileState.Verdict.LOST);
            } else if (r.misshapen || state[0] <= InodeLayout.INLINE_EXTENTS) {
                if (!r.misshapen) {
                    add(Kind.TREE, ino.treeRoot, "extent tree", ino.number, ino.name, "a tree for " + state[0]
                            + " extents, which belong inline");
                }
                f.worsen(FileState.Verdict.REBUILD);
            }
        } else {
            for (Extent e : ino.inline) {
                visit.accept(e.toWords());
            }
        }
        if (bad[0]) {
            f.worsen(FileState.Verdict.LOST);
        }
        if (bad[1]) {
            f.hasExtentPastEof = true;
            add(Kind.EXTENT_PAST_EOF, -1, "extents", ino.number, ino.name, "extents map blocks past the end of the file ("
                    + ino.size + " bytes)");
        }
        if (f.verdict != FileState.Verdict.LOST && (state[0] != ino.extentCount || state[1] != ino.allocatedBlocks)) {
            f.countersWrong = true;
            add(Kind.FILE_COUNTERS, -1, "inode", ino.number, ino.name, "inode counts " + ino.extentCount + " extents and "
                    + ino.allocatedBlocks + " blocks, the map has " + state[0] + " and " + state[1]);
        }
        if (f.verdict == FileState.Verdict.LOST) {
            add(Kind.EXTENT, -1, "extents", ino.number, ino.name, "part of the file's data cannot be found: it cannot be saved");
        }
    }

    private static String describe(Extent e) {
        return "[logical " + e.logical() + ", blocks " + e.start() + "+" + e.count() + "]";
    }

    // ---- space ----

    /**
     * Compares the bitmap with a recount of referenced blocks, one bitmap block at a time:
     * referenced twice, referenced but free, and marked but referenced by nothing.
     */
    private void checkSpace() {
        List<UsedBlocks.Range> ranges = used.sorted();
        long maxEnd = -1;
        int maxOwner = -1;
        for (UsedBlocks.Range r : ranges) {
            if (r.start() < maxEnd && r.owner() != maxOwner) {
                long to = Math.min(maxEnd, r.end());
                reportTwice(r, maxOwner, r.start(), to);
            }
            if (r.end() > maxEnd) {
                maxEnd = r.end();
                maxOwner = r.owner();
            }
        }
        long bitsPerPage = sb.bitsPerBitmapBlock();
        int words = BitmapCodec.wordsPerPage(sb.blockSize);
        int next = 0;
        long free = 0;
        String[] why = new String[1];
        for (long p = 0; p < sb.bitmapBlocks; p++) {
            long pageStart = p * bitsPerPage;
            long pageEnd = Math.min(sb.totalBlocks, pageStart + bitsPerPage);
            while (next < ranges.size() && ranges.get(next).end() <= pageStart) {
                next++;
            }
            boolean anyRange = next < ranges.size() && ranges.get(next).start() < pageEnd;
            if (p >= sb.bitmapHighWater && !anyRange) {
                free += pageEnd - Math.max(pageStart, Math.min(pageEnd, sb.dataStart));
                continue;
            }
            long[] expected = new long[words];
            for (int i = next; i < ranges.size() && ranges.get(i).start() < pageEnd; i++) {
                UsedBlocks.Range r = ranges.get(i);
                Bits.set(expected, Math.max(r.start(), pageStart) - pageStart, Math.min(r.end(), pageEnd) - pageStart);
            }
            long[] actual;
            if (badBitmapPages.contains(p)) {
                continue;
            } else if (p >= sb.bitmapHighWater) {
                actual = new long[words];
            } else {
                actual = BitmapCodec.decode(blocks.readVerified(sb.bitmapStart + p, Tag.BMAP, why));
            }
            compareRuns(pageStart, pageEnd, expected, actual);
            free += Bits.countClear(actual, Math.max(pageStart, Math.min(pageEnd, sb.dataStart)) - pageStart,
                    pageEnd - pageStart);
        }
        freeBlocksCounted = free;
        if (badBitmapPages.isEmpty() && free != sb.freeBlocks) {
            add(Kind.COUNTERS, 0, "superblock", 0, null, "free block count is " + sb.freeBlocks + ", the bitmap has "
                    + free + " free");
        }
        long inUse = files.size() + unreadableInodes.size();
        if (sb.fileCount != inUse && unreadableInodes.isEmpty()) {
            add(Kind.COUNTERS, 0, "superblock", 0, null, "file count is " + sb.fileCount + ", the inode table holds "
                    + files.size());
        }
    }

    private void reportTwice(UsedBlocks.Range r, int otherOwner, long from, long to) {
        UsedBlocks.Owner a = used.ownerOf(otherOwner);
        UsedBlocks.Owner b = used.ownerOf(r.owner());
        for (FileState f : files) {
            if (f.owner == r.owner()) {
                // Its data: repair gives the file its own copy of the shared blocks.
                f.cloneRanges.add(new long[] {from, to});
                f.worsen(FileState.Verdict.REBUILD);
            } else if (f.treeOwner == r.owner()) {
                // A tree node in someone else's block: the rebuilt tree gets new nodes.
                f.worsen(FileState.Verdict.REBUILD);
            }
        }
        add(Kind.USED_TWICE, from, "space", b.inode(), b.name(), "blocks " + from + " to " + (to - 1)
                + " are also held by " + label(a) + (b.inode() > 0 && "file".equals(b.label())
                        ? "; repair gives this file its own copy" : ""));
    }

    private static String label(UsedBlocks.Owner o) {
        return o.inode() > 0 ? "the " + o.label() + " of inode " + o.inode() + " '" + o.name() + "'" : "the " + o.label();
    }

    /** Reports runs of blocks where the bitmap and the recount disagree. */
    private void compareRuns(long pageStart, long pageEnd, long[] expected, long[] actual) {
        long[] leaked = new long[actual.length];
        long[] usedButFree = new long[actual.length];
        boolean any = false;
        for (int w = 0; w < actual.length; w++) {
            leaked[w] = actual[w] & ~expected[w];
            usedButFree[w] = expected[w] & ~actual[w];
            any |= (leaked[w] | usedButFree[w]) != 0;
        }
        if (!any) {
            return;
        }
        Bits.forEachSetRun(leaked, pageEnd - pageStart, (s, e) -> add(Kind.LEAKED, pageStart + s, "bitmap", 0, null,
                span(pageStart + s, pageStart + e) + " marked in use but referenced by nothing"));
        Bits.forEachSetRun(usedButFree, pageEnd - pageStart, (s, e) -> add(Kind.USED_BUT_FREE, pageStart + s, "bitmap",
                0, null, span(pageStart + s, pageStart + e) + " in use but marked free"));
    }

    private static String span(long start, long end) {
        long n = end - start;
        return n == 1 ? "block " + start : "blocks " + start + " to " + (end - 1) + " (" + n + ")";
    }

}
