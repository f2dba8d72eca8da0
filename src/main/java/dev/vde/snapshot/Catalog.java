package dev.vde.snapshot;

import dev.vde.format.CatalogRoot;
import dev.vde.format.CorruptImageException;
import dev.vde.format.CatalogRootCodec;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.inode.Inode;
import dev.vde.wal.Transaction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The snapshot catalog of one transaction: the list of snapshot records (SLST pages) and each
 * snapshot's file table (SFIL pages). The list is small and rewritten whole when it changes; a
 * file table is written once, when its snapshot is taken, and freed with it.
 */
public final class Catalog {
    private final Transaction tx;
    private final Superblock sb;
    private List<SnapshotRecord> records;

    public Catalog(Transaction tx) {
        this.tx = tx;
        this.sb = tx.superblock();
    }

    /** Every snapshot, oldest first. */
    public List<SnapshotRecord> list() {
        return Collections.unmodifiableList(records());
    }

    private List<SnapshotRecord> records() {
        if (records == null) {
            CatalogRoot root = tx.catalog();
            List<SnapshotRecord> out = new ArrayList<>();
            walk(root.listHead, root.listPages, "snapshot list", Tag.SLST, (block, page) ->
                    SnapshotListCodec.decode(page, block, sb.dataStart, sb.totalBlocks, out));
            if (out.size() != root.snapshotCount) {
                throw new CorruptImageException(sb.snapStart, "snapshot catalog", "it counts " + root.snapshotCount
                        + " snapshots but its list holds " + out.size());
            }
            java.util.Set<String> names = new java.util.HashSet<>();
            for (int i = 0; i < out.size(); i++) {
                SnapshotRecord r = out.get(i);
                if (r.id >= root.nextSnapshotId || (i > 0 && r.id <= out.get(i - 1).id) || !names.add(r.name)) {
                    // Ids in order and names unique are what every lookup and rollback relies on.
                    throw new CorruptImageException(root.listHead, "snapshot list", "snapshot '" + r.name + "' (id "
                            + r.id + ") repeats a name or breaks the id order");
                }
            }
            records = out;
        }
        return records;
    }

    /** The snapshot called {@code name}, or null. */
    public SnapshotRecord find(String name) {
        for (SnapshotRecord r : records()) {
            if (r.name.equals(name)) {
                return r;
            }
        }
        return null;
    }

    /** The snapshot with identity {@code uuid}, or null. */
    public SnapshotRecord findByUuid(java.util.UUID uuid) {
        for (SnapshotRecord r : records()) {
            if (r.uuid.equals(uuid)) {
                return r;
            }
        }
        return null;
    }

    /** A fresh snapshot id. */
    public long nextId() {
        CatalogRoot root = tx.catalog();
        if (root.nextSnapshotId > CatalogRootCodec.MAX_SNAPSHOT_ID) {
            throw new IllegalStateException("this image has used all " + CatalogRootCodec.MAX_SNAPSHOT_ID + " snapshot ids");
        }
        tx.catalogChanged();
        return root.nextSnapshotId++;
    }

    public void add(SnapshotRecord r) {
        records().add(r);
        save();
    }

    public void remove(SnapshotRecord r) {
        if (!records().remove(r)) {
            throw new IllegalStateException("snapshot " + r.name + " is not in the catalog");
        }
        save();
    }

    /**
     * Replaces the whole list by {@code all}, in fresh pages, without freeing the old ones: for
     * fsck repair, which rebuilds the bitmap itself and may not trust the old chain.
     */
    public void replaceList(List<SnapshotRecord> all) {
        CatalogRoot root = tx.catalog();
        root.listHead = 0;
        root.listPages = 0;
        records = new ArrayList<>(all);
        save();
    }

    /**
     * Rewrites the list, in its old pages first (the transaction makes that atomic, and deleting
     * a snapshot then needs no free block); pages it no longer needs are freed at commit.
     */
    private void save() {
        CatalogRoot root = tx.catalog();
        List<Long> old = new ArrayList<>();
        forEachPage(root.listHead, root.listPages, "snapshot list", Tag.SLST, old::add);
        int per = SnapshotListCodec.perPage(sb.blockSize);
        int needed = (records.size() + per - 1) / per;
        long[] pages = new long[needed];
        long[] more = tx.allocatePages(Math.max(0, needed - old.size()));
        for (int p = 0; p < needed; p++) {
            pages[p] = p < old.size() ? old.get(p) : more[p - old.size()];
        }
        for (int p = needed; p < old.size(); p++) {
            tx.free(old.get(p));
        }
        for (int p = 0; p < pages.length; p++) {
            List<SnapshotRecord> slice = records.subList(p * per, Math.min(records.size(), (p + 1) * per));
            long next = p + 1 < pages.length ? pages[p + 1] : 0;
            tx.seal(pages[p], SnapshotListCodec.encode(slice, next, sb.blockSize), Tag.SLST);
        }
        root.listHead = pages.length == 0 ? 0 : pages[0];
        root.listPages = pages.length;
        root.snapshotCount = records.size();
        tx.catalogChanged();
    }

    /** The frozen files of a snapshot, in inode-number order. */
    public List<Inode> files(SnapshotRecord r) {
        List<Inode> out = new ArrayList<>();
        walk(r.filesHead, r.filesPages, "file table of snapshot '" + r.name + "'", Tag.SFIL, (block, page) ->
                SnapshotFilesCodec.decode(page, block, r.id, sb.dataStart, sb.totalBlocks, out));
        if (out.size() != r.fileCount) {
            throw new CorruptImageException(r.filesHead, "snapshot '" + r.name + "'", "it counts " + r.fileCount
                    + " files but its file table holds " + out.size());
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < out.size(); i++) {
            Inode f = out.get(i);
            if ((i > 0 && f.number <= out.get(i - 1).number) || !names.add(f.name)) {
                // A rollback would index a repeated inode or name twice.
                throw new CorruptImageException(r.filesHead, "snapshot '" + r.name + "'", "file '" + f.name
                        + "' (inode " + f.number + ") repeats an inode or a name, or breaks inode order");
            }
        }
        return out;
    }

    /**
     * Writes a file table for snapshot {@code id} and records where it is in {@code r}.
     *
     * @param files frozen inodes in inode-number order
     */
    public void writeFiles(SnapshotRecord r, List<Inode> files) {
        int per = SnapshotFilesCodec.perPage(sb.blockSize);
        long[] pages = tx.allocatePages((files.size() + per - 1) / per);
        for (int p = 0; p < pages.length; p++) {
            List<Inode> slice = files.subList(p * per, Math.min(files.size(), (p + 1) * per));
            long next = p + 1 < pages.length ? pages[p + 1] : 0;
            tx.seal(pages[p], SnapshotFilesCodec.encode(slice, next, r.id, sb.blockSize), Tag.SFIL);
        }
        r.filesHead = pages.length == 0 ? 0 : pages[0];
        r.filesPages = pages.length;
    }

    /** Frees the pages of a snapshot's file table (at commit). */
    public void freeFiles(SnapshotRecord r) {
        forEachPage(r.filesHead, r.filesPages, "file table of snapshot '" + r.name + "'", Tag.SFIL,
                tx::free);
    }

    /** Visits the blocks of a page chain (for fsck and freeing). */
    public void forEachPage(long head, long pages, String what, Tag tag, LongConsumer action) {
        walk(head, pages, what, tag, (block, page) -> action.accept(block));
    }

    @FunctionalInterface
    private interface PageVisitor {
        void visit(long block, byte[] page);
    }

    /** Follows a chain that must have exactly {@code pages} pages, so that a loop cannot hang a walk. */
    private void walk(long head, long pages, String what, Tag tag, PageVisitor visitor) {
        long seen = 0;
        for (long b = head; b != 0; seen++) {
            if (seen == pages) {
                throw new CorruptImageException(b, what, "the chain is longer than its " + pages + " pages");
            }
            byte[] page = tx.read(b, tag);
            visitor.visit(b, page);
            b = tag == Tag.SLST ? SnapshotListCodec.next(page) : SnapshotFilesCodec.next(page);
        }
        if (seen != pages) {
            throw new CorruptImageException(head, what, "the chain has " + seen + " pages, not " + pages);
        }
    }
}
