package dev.vde.image;

import dev.vde.delta.DeltaHeader;
import dev.vde.delta.SnapshotId;
import dev.vde.error.ConflictException;
import dev.vde.inode.FileDigest;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.snapshot.SnapshotRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a delta fits an image, decided from its header and the image's metadata alone (no
 * data is read): the block size, the snapshot not already here, and the base snapshot present
 * (uuid, txid, digest) with the live files unchanged since it, or, for a full delta, an image
 * without snapshots or files. {@code --force} accepts changed live files: they are rolled back
 * to the base (removed, for a full delta) in the applying transaction.
 *
 * @param baseFiles the base snapshot's files in inode order, empty for a full delta: what the
 *                  delta's records are checked against
 * @param forced    true if the live files must first be rolled back (or removed)
 */
record DeltaFit(List<Inode> baseFiles, boolean forced) {

    /** @throws ConflictException naming what does not fit (status 5) */
    static DeltaFit check(Namespace n, DeltaHeader h, boolean force) {
        int bs = n.tx.blockSize();
        if (h.blockSize() != bs) {
            throw new ConflictException("the delta is for images of " + h.blockSize()
                    + "-byte blocks; this image has " + bs + "-byte blocks");
        }
        SnapshotId to = h.snapshot();
        List<SnapshotRecord> all = n.catalog.list();
        for (SnapshotRecord r : all) {
            if (r.uuid.equals(to.uuid())) {
                throw new ConflictException("snapshot '" + r.name + "' (uuid " + r.uuid
                        + ") is already on this image: the delta has been applied");
            }
            if (r.name.equals(to.name())) {
                throw new ConflictException("a snapshot named '" + r.name + "' exists here with another uuid ("
                        + r.uuid + ", the delta's is " + to.uuid() + ")");
            }
        }
        if (h.full()) {
            if (!all.isEmpty()) {
                throw new ConflictException("a full delta needs an image without snapshots; this one has "
                        + all.size() + " (apply it to a new image)");
            }
            long files = n.tx.superblock().fileCount;
            if (files > 0 && !force) {
                throw new ConflictException("a full delta needs an image without files; this one has " + files
                        + " (--force removes them)");
            }
            return new DeltaFit(List.of(), files > 0);
        }
        SnapshotId b = h.base();
        SnapshotRecord base = n.catalog.findByUuid(b.uuid());
        if (base == null) {
            throw new ConflictException("the delta's base, snapshot '" + b.name() + "' (uuid " + b.uuid()
                    + ", txid " + b.txid() + "), is not on this image");
        }
        if (base.txid != b.txid() || !base.digest.equals(b.digest())) {
            throw new ConflictException("snapshot '" + base.name + "' here (txid " + base.txid + ", digest "
                    + base.digest + ") is not the delta's base (txid " + b.txid() + ", digest " + b.digest() + ")");
        }
        List<Inode> files = n.catalog.files(base);
        String change = changedSince(n, files);
        if (change != null && !force) {
            throw new ConflictException("the image has changed since snapshot '" + base.name + "': " + change
                    + " (--force rolls back to '" + base.name + "' first)");
        }
        return new DeltaFit(files, change != null);
    }

    /** How the live files differ from {@code frozen} (by number, name, size and content digest), or null. */
    private static String changedSince(Namespace n, List<Inode> frozen) {
        List<Inode> live = new ArrayList<>();
        n.inodes.forEach(live::add);
        int i = 0;
        for (Inode f : frozen) {
            if (i < live.size() && live.get(i).number < f.number) {
                return "file '" + live.get(i).name + "' is new";
            }
            if (i == live.size() || live.get(i).number != f.number) {
                return "file '" + f.name + "' was removed";
            }
            Inode l = live.get(i++);
            if (!l.name.equals(f.name)) {
                return "file '" + f.name + "' was renamed to '" + l.name + "'";
            }
            if (l.size != f.size || !digestOf(n, l).equals(digestOf(n, f))) {
                return "file '" + l.name + "' was changed";
            }
        }
        return i < live.size() ? "file '" + live.get(i).name + "' is new" : null;
    }

    private static FileDigest digestOf(Namespace n, Inode ino) {
        try {
            return ino.digest != null ? ino.digest : FileData.digestOf(new FileExtents(n.tx, ino), n.tx.device());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }


    /** Makes the live files the base's: a rollback, or for a full delta the removal of every file. */
    void rollBack(Namespace n, DeltaHeader h) {
        if (h.full()) {
            List<Inode> live = new ArrayList<>();
            n.inodes.forEach(live::add);
            live.forEach(n::remove);
        } else {
            new Snapshots(n).rollback(n.catalog.findByUuid(h.base().uuid()).name);
        }
    }
}
