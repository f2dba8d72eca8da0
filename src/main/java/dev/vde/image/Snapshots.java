package dev.vde.image;

import dev.vde.alloc.RunList;
import dev.vde.btree.BTree;
import dev.vde.btree.BTreeBuilder;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.error.ConflictException;
import dev.vde.error.NotFoundException;
import dev.vde.format.CorruptImageException;
import dev.vde.inode.Extent;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.io.Progress;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotDigest;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.wal.Transaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Snapshot create, delete and rollback inside one transaction. Each costs O(extents + ref-count
 * entries) and reads no file data: extent maps are copied into new trees built bottom-up, and
 * the counts of all their blocks change in one merge with the ref-count table.
 *
 * <p>A snapshot is a frozen copy of every live inode (its file table) with its own extent trees,
 * whose extents carry the SharedCow flag. Live files and snapshots share data blocks only
 * through counts: a block's count is the number of live files and snapshots that map it.
 */
final class Snapshots {
    private final Namespace ns;
    private final Transaction tx;
    private final Catalog catalog;
    private final NodeCodec codec;

    Snapshots(Namespace ns) {
        this.ns = ns;
        this.tx = ns.tx;
        this.catalog = ns.catalog;
        this.codec = new NodeCodec(NodeLayout.EXTENTS, tx.blockSize());
    }

    /** @throws NotFoundException if there is no such snapshot */
    SnapshotRecord find(String name) {
        SnapshotRecord r = catalog.find(name);
        if (r == null) {
            throw new NotFoundException("no snapshot named '" + name + "'");
        }
        return r;
    }

    /**
     * Freezes every live file as snapshot {@code name}.
     *
     * @throws ConflictException if a snapshot of that name exists
     */
    SnapshotRecord create(String name, Progress progress) throws IOException {
        return create(name, UUID.randomUUID(), tx.txid(), System.currentTimeMillis(), progress);
    }

    /**
     * Freezes every live file as a snapshot with the given identity: a new one's, or, for
     * {@code apply}, the identity the source gave it.
     */
    SnapshotRecord create(String name, UUID uuid, long txid, long createdMillis, Progress progress)
            throws IOException {
        Names.validate(name, "snapshot name");
        if (catalog.find(name) != null) {
            throw new ConflictException("a snapshot named '" + name + "' exists");
        }
        SnapshotRecord r = new SnapshotRecord();
        r.id = catalog.nextId();
        r.uuid = uuid;
        r.name = name;
        r.txid = txid;
        r.localTxid = tx.txid();
        r.createdMillis = createdMillis;
        List<Inode> live = new ArrayList<>();
        ns.inodes.forEach(live::add);
        List<Inode> frozen = new ArrayList<>(live.size());
        RunList held = new RunList();
        SnapshotDigest digest = new SnapshotDigest();
        progress.total(live.stream().mapToLong(ino -> ino.extentCount).sum());
        for (Inode ino : live) {
            if (ino.digest == null) {
                // Written by a vde that kept no digest: computed once, and kept from now on.
                ino.digest = FileData.digestOf(new FileExtents(tx, ino), tx.device());
                ns.inodes.put(ino);
            }
            Inode f = copy(ino, r.id, Extent.SHARED_COW, 0, held, r);
            frozen.add(f);
            digest.add(f.name, f.size, f.digest);
            r.bytes += f.size;
            r.extentCount += f.extentCount;
            r.dataBlocks += f.allocatedBlocks;
            progress.advance(ino.extentCount);
        }
        r.fileCount = frozen.size();
        r.digest = digest.value();
        catalog.writeFiles(r, frozen);
        r.metaBlocks += r.filesPages;
        tx.refCounts().applyBulk(held.sortDisjoint(), +1);
        catalog.add(r);
        return r;
    }

    /** Deletes a snapshot: blocks that no live file or other snapshot holds are freed. */
    void delete(String name) {
        SnapshotRecord r = find(name);
        RunList held = new RunList();
        for (Inode f : catalog.files(r)) {
            drop(f, held);
        }
        catalog.freeFiles(r);
        tx.releaseAll(held.sortDisjoint());
        catalog.remove(r);
    }

    /** Makes the live files exactly the snapshot's: every live file goes, the snapshot's come back. */
    void rollback(String name) {
        SnapshotRecord r = find(name);
        List<Inode> frozen = catalog.files(r);
        List<Inode> live = new ArrayList<>();
        ns.inodes.forEach(live::add);
        RunList dropped = new RunList();
        for (Inode ino : live) {
            drop(ino, dropped);
            ns.inodes.free(ino.number);
        }
        ns.names.clear();
        tx.superblock().fileCount = 0;
        tx.releaseAll(dropped.sortDisjoint());
        RunList taken = new RunList();
        for (Inode f : frozen) {
            if (f.number >= tx.superblock().inodeHighWater) {
                throw new CorruptImageException(r.filesHead, "snapshot '" + r.name + "'", "file '" + f.name
                        + "' has inode " + f.number + ", beyond every inode ever used");
            }
            Inode ino = copy(f, 0, 0, Extent.SHARED_COW, taken, null);
            // Its content changed as far as the live state goes: deltas must not skip it.
            ino.modifyTxid = tx.txid();
            ns.inodes.put(ino);
            ns.names.insert(ino.name, ino.number);
            tx.superblock().fileCount++;
        }
        tx.refCounts().applyBulk(taken.sortDisjoint(), +1);
    }

    /**
     * A copy of {@code src} owned by {@code snapshot} (0: live) whose extents map the same blocks,
     * flags changed as given, in a tree of its own; every extent is added to {@code runs}.
     */
    private Inode copy(Inode src, long snapshot, int setFlags, int clearFlags, RunList runs, SnapshotRecord r) {
        Inode c = new Inode();
        c.number = src.number;
        c.snapshot = snapshot;
        c.name = src.name;
        c.size = src.size;
        c.extentCount = src.extentCount;
        c.allocatedBlocks = src.allocatedBlocks;
        c.createTxid = src.createTxid;
        c.modifyTxid = src.modifyTxid;
        c.mtimeMillis = src.mtimeMillis;
        c.digest = src.digest;
        FileExtents from = new FileExtents(tx, src);
        if (from.tree() == null) {
            for (Extent e : src.inline) {
                c.inline.add(new Extent(e.start(), e.count(), (e.flags() | setFlags) & ~clearFlags, e.logical()));
                runs.add(e.start(), e.count());
            }
            return c;
        }
        BTreeBuilder b = new BTreeBuilder(codec, tx, c.treeOwner());
        from.forEach(0, e -> {
            b.add(new Extent(e.start(), e.count(), (e.flags() | setFlags) & ~clearFlags, e.logical()).toWords());
            runs.add(e.start(), e.count());
            return true;
        });
        if (b.count() != src.extentCount) {
            throw new CorruptImageException(src.treeRoot, "extent tree of inode " + src.number,
                    "it holds " + b.count() + " extents, the inode says " + src.extentCount);
        }
        BTree t = b.finish();
        c.treeRoot = t.root();
        c.treeHeight = t.height();
        if (r != null) {
            r.metaBlocks += b.nodes();
        }
        return c;
    }

    /** Collects a file's extents into {@code runs} and frees its tree (nodes are never shared). */
    private void drop(Inode ino, RunList runs) {
        FileExtents m = new FileExtents(tx, ino);
        m.forEach(0, e -> {
            runs.add(e.start(), e.count());
            return true;
        });
        if (m.tree() != null) {
            m.tree().freeAll();
        }
    }
}
