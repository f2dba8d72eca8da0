package dev.vde.check;

import dev.vde.alloc.BitmapCodec;
import dev.vde.alloc.Bits;
import dev.vde.alloc.RunList;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CatalogRoot;
import dev.vde.format.CatalogRootCodec;
import dev.vde.format.CorruptImageException;
import dev.vde.format.InodeLayout;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.format.Tag;
import dev.vde.inode.Extent;
import dev.vde.inode.FileDigest;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeCodec;
import dev.vde.inode.NameIndex;
import dev.vde.io.BlockDevice;
import dev.vde.io.Progress;
import dev.vde.snapshot.SnapshotDigest;
import dev.vde.snapshot.SnapshotFilesCodec;
import dev.vde.snapshot.SnapshotListCodec;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * Reads every metadata structure of an image and reports each problem with its location. It
 * never writes. Memory follows the metadata it must hold (one entry per file, live or frozen, one
 * range per extent and node, one run per ref-count entry), never the size of the image: bitmap
 * blocks are compared one at a time, and blocks above the high-water marks (never written) are
 * not read at all.
 *
 * <p>With snapshots, a data block may be mapped by the live files and by any number of
 * snapshots; its stored reference count must equal the number of those holders (the live state
 * and each snapshot count once). Within the live state, within one snapshot, and for every
 * metadata block (tree nodes, catalog pages), a block has exactly one holder.
 */
public final class Checker {
    private final BlockDevice dev;
    private final Progress progress;
    private final Findings findings = new Findings();
    final UsedBlocks used = new UsedBlocks();
    final List<FileState> files = new ArrayList<>();
    /** Every file, live or frozen, by the owner id of its data and of its tree nodes. */
    final Map<Integer, FileState> byOwner = new HashMap<>();
    /** The snapshots the list holds, in list order. */
    final List<SnapState> snapshots = new ArrayList<>();
    private final Map<Integer, SnapState> byPagesOwner = new HashMap<>();
    /** The decoded catalog root; null without one or when it cannot be read ({@link #catalogLost}). */
    CatalogRoot catalog;
    /** The superblock points at a catalog that cannot be read: every snapshot is lost. */
    boolean catalogLost;
    /** Snapshots known to be lost without a record to name them by, for repair's list of what it removed. */
    final List<String> lostSnapshots = new ArrayList<>();
    /** The valid entries of the stored ref-count table, in block order. */
    private final Runs storedCounts = new Runs();
    /** Part of the ref-count tree could not be read: its counts are not compared. */
    boolean refTableLost;
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

    private Checker(BlockDevice dev, Progress progress) {
        this.dev = dev;
        this.progress = progress;
    }

    /** Checks the image on {@code dev}; nothing is written. */
    public static Checker check(BlockDevice dev) throws IOException {
        return check(dev, Progress.NONE);
    }

    /** As {@link #check(BlockDevice)}, reporting each file checked (live or frozen) to {@code progress}. */
    public static Checker check(BlockDevice dev, Progress progress) throws IOException {
        Checker c = new Checker(dev, progress);
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
        checkCatalog();
        checkSnapshots();
        checkSpace();
        settleSnapshots();
    }

    /** A corruption message without its "block N (what): " prefix: the finding says where. */
    static String reason(CorruptImageException e) {
        return e.getMessage().replaceFirst("^block \\d+ \\([^)]*\\): ", "");
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
                copyProblem[slot] = reason(e);
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
                        FileState f = new FileState(ino, used.owner("file", n, ino.name, null, UsedBlocks.LIVE),
                                used.owner("extent tree", n, ino.name), null, block);
                        files.add(f);
                        byOwner.put(f.owner, f);
                        byOwner.put(f.treeOwner, f);
                    }
                } catch (CorruptImageException e) {
                    unreadableInodes.add(n);
                    add(Kind.INODE, block, "inode table", n, null, reason(e));
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
        progress.total(files.size());
        for (FileState f : files) {
            checkFile(f);
            progress.advance(1);
        }
    }

    /**
     * Walks one file's extents (inline or tree), live or frozen in a snapshot, recording each
     * extent's blocks as the file's. A frozen file's tree has its own nodes (owner
     * {@code snapshotId << 40 | inode}) and every extent it maps carries SharedCow; a live one none.
     */
    void checkFile(FileState f) {
        Inode ino = f.inode;
        int bs = sb.blockSize;
        String where = f.where();
        boolean frozen = f.snapshot != null;
        long[] state = {0, 0, Long.MIN_VALUE, 0}; // extents, blocks, end of the previous extent, SharedCow wrong
        boolean[] bad = {false, false};            // an invalid extent, an extent past EOF
        java.util.function.Consumer<long[]> visit = w -> {
            Extent e = Extent.fromWords(w);
            state[0]++;
            if (e.count() < 1 || e.logical() < 0 || e.logical() % bs != 0 || e.start() < sb.dataStart
                    || e.start() > sb.totalBlocks - e.count()
                    || e.logical() > InodeCodec.MAX_FILE_SIZE - (long) e.count() * bs) {
                bad[0] = true;
                add(Kind.EXTENT, -1, where + "extents", ino.number, ino.name, "extent " + describe(e)
                        + " is malformed or outside the data region");
                return;
            }
            if (e.logical() < state[2]) {
                bad[0] = true;
                add(Kind.EXTENT_OVERLAP, -1, where + "extents", ino.number, ino.name, "extent " + describe(e)
                        + " overlaps the one before it (which ends at byte " + state[2] + ")");
            }
            if (e.logical() >= (ino.size + bs - 1) / bs * bs) {
                bad[1] = true;
            }
            if (((e.flags() & Extent.SHARED_COW) != 0) != frozen) {
                state[3]++;
            }
            state[1] += e.count();
            state[2] = e.end(bs);
            used.add(e.start(), e.count(), f.owner);
        };
        if (ino.hasTree()) {
            TreeWalk walk = new TreeWalk(blocks, NodeLayout.EXTENTS, sb, ino.treeOwner(), findings, where + "extent tree",
                    ino.number, ino.name, used, f.treeOwner);
            TreeWalk.Result r = walk.walk(ino.treeRoot, ino.treeHeight, visit);
            f.nodes = r.nodes;
            if (r.lost) {
                f.worsen(FileState.Verdict.LOST);
            } else if (r.misshapen || state[0] <= InodeLayout.INLINE_EXTENTS) {
                if (!r.misshapen) {
                    add(Kind.TREE, ino.treeRoot, where + "extent tree", ino.number, ino.name, "a tree for " + state[0]
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
            add(Kind.EXTENT_PAST_EOF, -1, where + "extents", ino.number, ino.name, "extents map blocks past the end of"
                    + " the file (" + ino.size + " bytes)");
        }
        f.extents = state[0];
        f.blocks = state[1];
        if (state[3] > 0 && f.verdict != FileState.Verdict.LOST) {
            f.sharedCowWrong = true;
            add(Kind.SHARED_COW, -1, where + "extents", ino.number, ino.name, state[3] + " of its " + state[0]
                    + " extents " + (frozen ? "lack the SharedCow flag that marks a snapshot's extents"
                            : "carry the SharedCow flag, which only a snapshot's extents carry"));
        }
        if (f.verdict != FileState.Verdict.LOST && (state[0] != ino.extentCount || state[1] != ino.allocatedBlocks)) {
            f.countersWrong = true;
            add(Kind.FILE_COUNTERS, -1, where + "inode", ino.number, ino.name, "inode counts " + ino.extentCount
                    + " extents and " + ino.allocatedBlocks + " blocks, the map has " + state[0] + " and " + state[1]);
        }
        if (f.verdict == FileState.Verdict.LOST) {
            add(Kind.EXTENT, -1, where + "extents", ino.number, ino.name, "part of the file's data cannot be found: it"
                    + " cannot be saved" + (frozen ? ", nor the snapshot that holds it" : ""));
        }
    }

    private static String describe(Extent e) {
        return "[logical " + e.logical() + ", blocks " + e.start() + "+" + e.count() + "]";
    }

    // ---- snapshot catalog ----

    /**
     * The catalog root, the ref-count tree and the snapshot list. A root that cannot be read loses
     * every snapshot and the table (their blocks then show as leaked); a list page that cannot be
     * read or decoded loses the snapshots from it on (those before a bad record on it are kept).
     */
    private void checkCatalog() {
        if (sb.catalogBlock == 0) {
            return;
        }
        String[] why = new String[1];
        String lostAll = "; every snapshot and the ref-count table are lost with it";
        byte[] b = blocks.readVerified(sb.catalogBlock, Tag.SNAP, why);
        if (b == null) {
            catalogLost = true;
            lostSnapshots.add("every snapshot (the catalog root in block " + sb.catalogBlock + " cannot be read)");
            add(Kind.BAD_BLOCK, sb.catalogBlock, "snapshot catalog", 0, null, why[0] + lostAll);
            return;
        }
        try {
            catalog = CatalogRootCodec.decode(b, sb.catalogBlock, sb);
        } catch (CorruptImageException e) {
            catalogLost = true;
            lostSnapshots.add("every snapshot (the catalog root in block " + sb.catalogBlock + " cannot be read)");
            add(Kind.CATALOG, sb.catalogBlock, "snapshot catalog", 0, null, reason(e) + lostAll);
            return;
        }
        checkRefTable();
        checkSnapshotList();
    }

    /** Walks the ref-count tree like any other, keeping the entries that make sense, in block order. */
    private void checkRefTable() {
        if (catalog.refRoot == 0) {
            return;
        }
        String st = "ref-count table";
        TreeWalk walk = new TreeWalk(blocks, NodeLayout.REFCOUNTS, sb, Transaction.REFCOUNT_OWNER, findings, st, 0,
                null, used, used.owner(st, 0, null));
        long[] prevEnd = {Long.MIN_VALUE};
        TreeWalk.Result r = walk.walk(catalog.refRoot, catalog.refHeight, e -> {
            long start = e[0];
            long length = e[1];
            if (length < 1 || start < sb.dataStart || start > sb.totalBlocks - length) {
                add(Kind.REFCOUNT_ENTRY, -1, st, 0, null, "entry (start " + start + ", " + length + " blocks, count "
                        + e[2] + ") is empty or outside the data region");
            } else if (start < prevEnd[0]) {
                add(Kind.REFCOUNT_ENTRY, start, st, 0, null, "entry for " + span(start, start + length) + " (count "
                        + e[2] + ") overlaps the entry before it, which ends at block " + (prevEnd[0] - 1)
                        + ": those blocks have two counts");
                prevEnd[0] = Math.max(prevEnd[0], start + length);
            } else {
                prevEnd[0] = start + length;
                storedCounts.join(start, start + length, e[2]);
            }
        });
        refTableLost = r.lost;
    }

    private void checkSnapshotList() {
        String st = "snapshot list";
        List<Long> pages = new ArrayList<>();
        boolean whole = walkChain(catalog.listHead, Tag.SLST, st, used.owner(st, 0, null), pages,
                "; the snapshots listed on it and after it are lost",
                p -> lostSnapshots.add("the snapshots listed from block " + p + " on (the list cannot be read past it)"),
                (p, page) -> {
                    List<SnapshotRecord> out = new ArrayList<>();
                    try {
                        SnapshotListCodec.decode(page, p, sb.dataStart, sb.totalBlocks, out);
                    } finally {
                        // The records before a bad one are sound: keep them.
                        for (SnapshotRecord r : out) {
                            SnapState s = new SnapState(r, p, snapshots.size() + 1, used.owner("file table", 0, null,
                                    r.name, UsedBlocks.METADATA));
                            snapshots.add(s);
                            byPagesOwner.put(s.pagesOwner, s);
                        }
                    }
                });
        if (!whole) {
            return;
        }
        if (pages.size() != catalog.listPages) {
            add(Kind.CATALOG, sb.catalogBlock, "snapshot catalog", 0, null, "it says the snapshot list has "
                    + catalog.listPages + " pages, the chain has " + pages.size());
        }
        if (snapshots.size() != catalog.snapshotCount) {
            add(Kind.CATALOG, sb.catalogBlock, "snapshot catalog", 0, null, "it counts " + catalog.snapshotCount
                    + " snapshots, its list holds " + snapshots.size());
        }
    }

    @FunctionalInterface
    private interface PageDecoder {
        /** @throws CorruptImageException if the page does not decode */
        void decode(long block, byte[] page);
    }

    /**
     * Follows a chain of list or file-table pages (next pointer in the first word) from
     * {@code head} until next = 0, marking each page used by {@code owner} and collecting it in
     * {@code pages}. A page that comes round again, does not verify or decode, or points outside
     * the data region ends the walk with a finding (and {@code lost} said of it); a loop is
     * reported at the page it comes back to.
     *
     * @return whether the chain was read whole
     */
    private boolean walkChain(long head, Tag tag, String st, int owner, List<Long> pages, String lost,
            LongConsumer onLoss, PageDecoder decoder) {
        String[] why = new String[1];
        Set<Long> seen = new HashSet<>();
        for (long p = head; p != 0;) {
            if (!seen.add(p)) {
                add(Kind.SNAPSHOT_PAGE, p, st, 0, null, "the chain comes back to this page");
                return false;
            }
            used.add(p, 1, owner);
            pages.add(p);
            byte[] page = blocks.readVerified(p, tag, why);
            String problem = null;
            Kind kind = Kind.SNAPSHOT_PAGE;
            long next = 0;
            if (page == null) {
                kind = Kind.BAD_BLOCK;
                problem = why[0];
            } else {
                try {
                    decoder.decode(p, page);
                    next = LE.i64(page, 0);
                    if (next != 0 && (next < sb.dataStart || next >= sb.totalBlocks)) {
                        problem = "next page " + next + " is outside the data region";
                    }
                } catch (CorruptImageException e) {
                    problem = reason(e);
                }
            }
            if (problem != null) {
                onLoss.accept(p);
                add(kind, p, st, 0, null, problem + lost);
                return false;
            }
            p = next;
        }
        return true;
    }

    // ---- snapshots ----

    /**
     * Every snapshot record and file table. Identity comes first: a snapshot whose id, name or
     * uuid repeats another's, or whose txid is newer than the image, cannot be told apart or
     * placed in time, so repair drops it (the later of two); its blocks are still walked, so
     * that what it holds is accounted for.
     */
    private void checkSnapshots() {
        Map<Long, SnapState> ids = new HashMap<>();
        Map<String, SnapState> names = new HashMap<>();
        Set<UUID> uuids = new HashSet<>();
        long lastId = 0;
        SnapState highest = null;
        boolean ordered = true;
        long frozenFiles = 0;
        for (SnapState s : snapshots) {
            frozenFiles += Math.max(0, s.record.fileCount); // as the records say: only for the progress meter
        }
        progress.total(files.size() + frozenFiles);
        for (SnapState s : snapshots) {
            SnapshotRecord r = s.record;
            SnapState sameId = ids.putIfAbsent(r.id, s);
            SnapState sameName = names.putIfAbsent(r.name, s);
            if (r.id > CatalogRootCodec.MAX_SNAPSHOT_ID) {
                snapshotProblem(s, "id " + r.id + " is above the largest, " + CatalogRootCodec.MAX_SNAPSHOT_ID);
            } else if (sameId != null) {
                snapshotProblem(s, "snapshot '" + sameId.record.name + "' has the same id " + r.id);
            } else if (sameName != null) {
                snapshotProblem(s, "snapshot " + sameName.record.id + " has the same name");
            } else if (!uuids.add(r.uuid)) {
                snapshotProblem(s, "another snapshot has the same uuid " + r.uuid);
            } else if (r.localTxid > sb.txid) {
                // localTxid, not txid: a snapshot received by apply keeps its source's txid.
                snapshotProblem(s, "made in transaction " + r.localTxid + ", after the image's last, " + sb.txid);
            }
            if (sameId == null && r.id <= lastId) {
                ordered = false;
            }
            lastId = Math.max(lastId, r.id);
            if (highest == null || r.id > highest.record.id) {
                highest = s;
            }
            checkFileTable(s);
        }
        if (!ordered) {
            add(Kind.CATALOG, sb.catalogBlock, "snapshot catalog", 0, null, "the snapshot list is not in id order");
        }
        if (highest != null && highest.record.id >= catalog.nextSnapshotId) {
            add(Kind.CATALOG, sb.catalogBlock, "snapshot catalog", 0, null, "the next snapshot id, "
                    + catalog.nextSnapshotId + ", is not above snapshot '" + highest.record.name + "''s id "
                    + highest.record.id + ": ids would be reused");
        }
    }

    private void snapshotProblem(SnapState s, String why) {
        add(Kind.SNAPSHOT, s.listPage, s.label, 0, null, why);
        s.drop(why);
    }

    /**
     * One snapshot's file-table chain and frozen files. The table is whole when the chain ends
     * with next = 0, every page decodes and it holds the files the record counts; then only a
     * wrong page count or order is left to rewrite. Otherwise files may be missing: the
     * snapshot is not the state it froze, and repair drops it.
     */
    private void checkFileTable(SnapState s) {
        SnapshotRecord r = s.record;
        String st = s.label + " file table";
        List<Inode> frozen = new ArrayList<>();
        List<Long> pageOf = new ArrayList<>();
        boolean whole = walkChain(r.filesHead, Tag.SFIL, st, s.pagesOwner, s.pages,
                "; the snapshot's files cannot all be read", p -> { }, (p, page) -> {
                    int before = frozen.size();
                    try {
                        SnapshotFilesCodec.decode(page, p, r.id, sb.dataStart, sb.totalBlocks, frozen);
                    } finally {
                        for (int i = before; i < frozen.size(); i++) {
                            pageOf.add(p);
                        }
                    }
                });
        if (whole && s.pages.size() != r.filesPages) {
            s.rewrite();
            add(Kind.SNAPSHOT_PAGE, r.filesHead, st, 0, null, "the chain has " + s.pages.size() + " pages, the record"
                    + " says " + r.filesPages);
        }
        if (!whole) {
            s.drop("its file table cannot be read whole");
        } else if (frozen.size() != r.fileCount) {
            snapshotProblem(s, "it counts " + r.fileCount + " files, its file table holds " + frozen.size());
        }
        long prev = 0;
        Set<String> names = new HashSet<>();
        for (int i = 0; i < frozen.size(); i++) {
            Inode ino = frozen.get(i);
            long page = pageOf.get(i);
            FileState f = new FileState(ino, used.owner("file", ino.number, ino.name, r.name, s.domain),
                    used.owner("extent tree", ino.number, ino.name, r.name, UsedBlocks.METADATA), s, page);
            s.files.add(f);
            byOwner.put(f.owner, f);
            byOwner.put(f.treeOwner, f);
            if (ino.number == prev) {
                frozenProblem(f, "the file table holds inode " + ino.number + " twice");
            } else if (ino.number < prev) {
                s.rewrite();
                add(Kind.SNAPSHOT_PAGE, page, st, ino.number, ino.name, "inode " + ino.number + " comes after inode "
                        + prev + ": the table is not in inode order");
            }
            if (!names.add(ino.name)) {
                frozenProblem(f, "another file of the snapshot has the same name");
            }
            if (ino.number >= sb.inodeHighWater) {
                frozenProblem(f, "inode " + ino.number + " is at or above the inode high-water mark "
                        + sb.inodeHighWater + ": no live file ever had it, and a rollback would refuse it");
            }
            prev = Math.max(prev, ino.number);
            checkFile(f);
            progress.advance(1);
            if (f.verdict == FileState.Verdict.LOST) {
                s.drop("the data of file '" + ino.name + "' cannot all be found");
            }
        }
        if (s.verdict != SnapState.Verdict.DROP) {
            checkRecordSummary(s);
        }
    }

    private void frozenProblem(FileState f, String why) {
        add(Kind.SNAPSHOT, f.recordBlock, f.snapshot.label + " file table", f.inode.number, f.inode.name, why);
        f.snapshot.drop("file '" + f.inode.name + "': " + why);
    }

    /** The record's summary fields against its files: derived, so repair recomputes them. */
    private void checkRecordSummary(SnapState s) {
        SnapshotRecord r = s.record;
        long bytes = 0;
        long extents = 0;
        long dataBlocks = 0;
        SnapshotDigest digest = new SnapshotDigest();
        boolean digestKnown = true;
        for (FileState f : s.files) {
            bytes += f.inode.size;
            extents += f.extents;
            dataBlocks += f.blocks;
            if (f.inode.digest == null) {
                digestKnown = false;
            } else {
                digest.add(f.inode.name, f.inode.size, f.inode.digest);
            }
        }
        List<String> wrong = new ArrayList<>();
        summary(wrong, "bytes", r.bytes, bytes);
        summary(wrong, "extentCount", r.extentCount, extents);
        summary(wrong, "dataBlocks", r.dataBlocks, dataBlocks);
        summary(wrong, "metaBlocks", r.metaBlocks, s.metaBlocks());
        // A frozen file without a digest (an inode from before digests) cannot be summed without its data.
        FileDigest sum = digest.value();
        if (digestKnown && !sum.equals(r.digest)) {
            wrong.add("digest " + r.digest + ", its files sum to " + sum);
        }
        if (!wrong.isEmpty()) {
            s.rewrite();
            add(Kind.SNAPSHOT_RECORD, s.listPage, s.label, 0, null, String.join("; ", wrong));
        }
    }

    private static void summary(List<String> wrong, String field, long stored, long counted) {
        if (stored != counted) {
            wrong.add(field + " " + stored + ", its files have " + counted);
        }
    }

    /** After the space check (which may give a frozen file clone ranges): what repair does with each snapshot. */
    private void settleSnapshots() {
        for (SnapState s : snapshots) {
            for (FileState f : s.files) {
                if (f.verdict == FileState.Verdict.LOST) {
                    s.drop("the data of file '" + f.inode.name + "' cannot all be found");
                } else if (f.needsRewrite()) {
                    s.rewrite();
                }
            }
        }
    }

    // ---- space ----

    /**
     * Checks the space three ways. Holders: within the live state, within one snapshot, and for
     * metadata against anything, a block has one holder ("used twice" otherwise). Counts: the
     * stored ref-count of every data block against a recount of its holders (the live state and
     * each snapshot count once). Bitmap: one bitmap block at a time against the union of
     * everything referenced (leaked, used but free).
     */
    private void checkSpace() {
        RunList data = new RunList();
        RunList all = new RunList();
        Runs meta = used.domains().getOrDefault(UsedBlocks.METADATA, new Runs());
        for (Map.Entry<Integer, Runs> d : used.domains().entrySet()) {
            d.getValue().sort();
            reportOverlaps(d.getValue(), d.getKey() != UsedBlocks.METADATA);
        }
        for (Map.Entry<Integer, Runs> d : used.domains().entrySet()) {
            if (d.getKey() != UsedBlocks.METADATA) {
                reportAgainstMetadata(meta, d.getValue());
                d.getValue().unionInto(data);
            }
        }
        if (catalog != null && !refTableLost) {
            compareCounts(Runs.depth(data));
        }
        for (int i = 0; i < data.size(); i++) {
            all.add(data.start(i), data.length(i));
        }
        meta.unionInto(all);
        checkBitmap(Runs.depth(all));
        long inUse = files.size() + unreadableInodes.size();
        if (sb.fileCount != inUse && unreadableInodes.isEmpty()) {
            add(Kind.COUNTERS, 0, "superblock", 0, null, "file count is " + sb.fileCount + ", the inode table holds "
                    + files.size());
        }
    }

    /**
     * Overlaps within one domain (sorted): of different holders, and in a data domain also of
     * two extents of one file (a snapshot of it could not count the block once). A tree that
     * reaches one node twice is left to the tree walk.
     */
    private void reportOverlaps(Runs r, boolean data) {
        long maxEnd = -1;
        int maxOwner = -1;
        for (int i = 0; i < r.size(); i++) {
            if (r.from(i) < maxEnd && (r.owner(i) != maxOwner || data)) {
                reportTwice(r.owner(i), maxOwner, r.from(i), Math.min(maxEnd, r.to(i)));
            }
            if (r.to(i) > maxEnd) {
                maxEnd = r.to(i);
                maxOwner = r.owner(i);
            }
        }
    }

    /** Data of one domain (sorted) that lies in metadata blocks; the later of the two is the second holder. */
    private void reportAgainstMetadata(Runs meta, Runs data) {
        int m = 0;
        for (int i = 0; i < data.size(); i++) {
            long s = data.from(i);
            long e = data.to(i);
            while (m < meta.size() && meta.to(m) <= s) {
                m++;
            }
            for (int k = m; k < meta.size() && meta.from(k) < e; k++) {
                if (meta.to(k) <= s) {
                    continue;
                }
                long from = Math.max(s, meta.from(k));
                long to = Math.min(e, meta.to(k));
                if (s > meta.from(k) || (s == meta.from(k) && data.owner(i) > meta.owner(k))) {
                    reportTwice(data.owner(i), meta.owner(k), from, to);
                } else {
                    reportTwice(meta.owner(k), data.owner(i), from, to);
                }
            }
        }
    }

    /** Blocks [from, to) that {@code second} holds though {@code first} had them before it. */
    private void reportTwice(int second, int first, long from, long to) {
        UsedBlocks.Owner a = used.ownerOf(first);
        UsedBlocks.Owner b = used.ownerOf(second);
        FileState f = byOwner.get(second);
        if (f != null && f.owner == second) {
            // Its data: repair gives the file its own copy of the shared blocks.
            f.cloneRanges.add(new long[] {from, to});
            f.worsen(FileState.Verdict.REBUILD);
        } else if (f != null) {
            // A tree node in someone else's block: the rebuilt tree gets new nodes.
            f.worsen(FileState.Verdict.REBUILD);
        }
        SnapState pagesOf = byPagesOwner.get(second);
        if (pagesOf != null) {
            // A file-table page in someone else's block: the rewritten table gets new pages.
            pagesOf.rewrite();
        }
        add(Kind.USED_TWICE, from, (b.snapshot() == null ? "" : "snapshot '" + b.snapshot() + "' ") + "space",
                b.inode(), b.name(), span(from, to) + " also held by "
                        + (first == second ? "another extent of the same file" : label(a))
                        + (b.inode() > 0 && b.isData() ? "; repair gives this file its own copy" : ""));
    }

    private static String label(UsedBlocks.Owner o) {
        String in = o.snapshot() == null ? "" : " of snapshot '" + o.snapshot() + "'";
        return o.inode() > 0 ? "the " + o.label() + " of inode " + o.inode() + " '" + o.name() + "'" + in
                : "the " + o.label() + in;
    }

    /**
     * The stored counts against the recount, over the runs where either says something: one
     * finding per run of blocks with the same two counts. A block without an entry counts 1.
     */
    private void compareCounts(Runs holders) {
        Runs stored = storedCounts;
        RunReport run = new RunReport();
        int i = 0;
        int j = 0;
        long pos = Long.MIN_VALUE;
        while (true) {
            while (i < holders.size() && holders.to(i) <= pos) {
                i++;
            }
            while (j < stored.size() && stored.to(j) <= pos) {
                j++;
            }
            if (i >= holders.size() && j >= stored.size()) {
                break;
            }
            boolean inH = i < holders.size() && holders.from(i) <= pos;
            boolean inS = j < stored.size() && stored.from(j) <= pos;
            long nextH = i >= holders.size() ? Long.MAX_VALUE : inH ? holders.to(i) : holders.from(i);
            long nextS = j >= stored.size() ? Long.MAX_VALUE : inS ? stored.to(j) : stored.from(j);
            long end = Math.min(nextH, nextS);
            if (inH || inS) {
                long h = inH ? holders.value(i) : 0;
                long c = inS ? stored.value(j) : 1;
                Kind k = !inS ? (h > 1 ? Kind.REFCOUNT_LOW : null)
                        : h == 0 || (c == h && c <= 1) ? Kind.REFCOUNT_STRAY
                        : c < h ? Kind.REFCOUNT_LOW : c > h ? Kind.REFCOUNT_HIGH : null;
                run.next(k, pos, end, c, h, inS);
            }
            pos = end;
        }
        run.flush();
    }

    /** Joins adjacent blocks with the same finding into one. */
    private final class RunReport {
        private Kind kind;
        private long from;
        private long to;
        private long stored;
        private long holders;
        private boolean entry;

        void next(Kind k, long start, long end, long c, long h, boolean inEntry) {
            if (k == kind && k != null && start == to && c == stored && h == holders && inEntry == entry) {
                to = end;
                return;
            }
            flush();
            kind = k;
            from = start;
            to = end;
            stored = c;
            holders = h;
            entry = inEntry;
        }

        void flush() {
            if (kind == null) {
                return;
            }
            String counted = entry ? "the table counts " + stored : "the table has no entry (count 1)";
            String msg = switch (kind) {
                case REFCOUNT_LOW -> counted + ", but " + holders + " of the live state and the snapshots map them: a"
                        + " later write or delete could free them while they are still mapped";
                case REFCOUNT_HIGH -> counted + ", but only " + holders + " of the live state and the snapshots map"
                        + " them: they would stay allocated after the last of them lets go";
                default -> holders == 0 ? counted + " for blocks that no file or snapshot maps"
                        : counted + ": an entry of count 1 is never stored, a block without one counts 1";
            };
            add(kind, from, "ref-count table", 0, null, (to - from > 1 ? span(from, to) + ": " : "") + msg);
            kind = null;
        }
    }

    /** The bitmap, one block at a time, against the union of everything referenced. */
    private void checkBitmap(Runs union) {
        long bitsPerPage = sb.bitsPerBitmapBlock();
        int words = BitmapCodec.wordsPerPage(sb.blockSize);
        int next = 0;
        long free = 0;
        String[] why = new String[1];
        for (long p = 0; p < sb.bitmapBlocks; p++) {
            long pageStart = p * bitsPerPage;
            long pageEnd = Math.min(sb.totalBlocks, pageStart + bitsPerPage);
            while (next < union.size() && union.to(next) <= pageStart) {
                next++;
            }
            boolean anyRange = next < union.size() && union.from(next) < pageEnd;
            if (p >= sb.bitmapHighWater && !anyRange) {
                free += pageEnd - Math.max(pageStart, Math.min(pageEnd, sb.dataStart));
                continue;
            }
            long[] expected = new long[words];
            for (int i = next; i < union.size() && union.from(i) < pageEnd; i++) {
                Bits.set(expected, Math.max(union.from(i), pageStart) - pageStart,
                        Math.min(union.to(i), pageEnd) - pageStart);
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
