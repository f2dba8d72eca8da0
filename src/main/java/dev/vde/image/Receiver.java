package dev.vde.image;

import dev.vde.delta.CorruptDeltaException;
import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaReader;
import dev.vde.delta.DeltaRecord;
import dev.vde.delta.DeltaRecord.Data;
import dev.vde.delta.DeltaRecord.Delete;
import dev.vde.delta.DeltaRecord.File;
import dev.vde.delta.DeltaRecord.Hole;
import dev.vde.delta.DeltaRecord.Move;
import dev.vde.delta.DeltaRecord.Size;
import dev.vde.delta.DeltaValidator;
import dev.vde.delta.SnapshotId;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.io.Progress;
import dev.vde.snapshot.SnapshotRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Replays a verified delta onto the live files of one transaction, then freezes them as the
 * delta's snapshot, with the source's identity, and checks its digest against the header's.
 * The caller commits only if this returns: any fault leaves the transaction to be dropped.
 *
 * <p>A replica keeps its source's inode numbers, so records name files directly. Names given
 * by the delta (new files, renames) are indexed only at the end: in the middle of a stream two
 * files may hold one name (a swap of two names), never after it. Every file whose size or data
 * changes gets this transaction's txid as its modification txid, which keeps the diff planner's
 * skip rule sound when this image is in turn the source of a delta (a rename alone does not
 * need it: the planner compares names before it skips).
 */
final class Receiver {
    private final Namespace ns;
    private final DeltaHeader header;
    private final FileData data;
    private final List<Inode> unindexed = new ArrayList<>();

    private Inode current;
    private FileExtents map;
    /** True while the current file's name is in the index. */
    private boolean indexed;
    /** True once the current file's size or data changed (a rename alone leaves its modification txid). */
    private boolean changed;

    Receiver(Namespace ns, DeltaHeader header) {
        this.ns = ns;
        this.header = header;
        this.data = new FileData(ns.tx);
    }

    /** Applies every record {@code in} yields and creates the snapshot; returns its record. */
    SnapshotRecord run(DeltaValidator in) throws IOException {
        for (DeltaRecord r = in.next(); r != null; r = in.next()) {
            switch (r.type()) {
                case DELE -> delete((Delete) r, in.reader());
                case FILE -> file((File) r, in.reader());
                case MOVE -> move((Move) r);
                case SIZE -> {
                    data.truncate(map, ((Size) r).size());
                    changed = true;
                }
                case HOLE -> {
                    data.punch(map, ((Hole) r).offset(), ((Hole) r).length());
                    changed = true;
                }
                case DATA -> {
                    data.writeBlocks(map, ((Data) r).logicalOffset(), ((Data) r).data());
                    changed = true;
                }
                case END -> finishFile();
                default -> throw new IllegalStateException("record type " + r.type());
            }
        }
        DeltaReader reader = in.reader();
        for (Inode ino : unindexed) {
            if (ns.names.lookup(ino.name) != null) {
                throw fault(reader, "two files would be named '" + ino.name + "'");
            }
            ns.names.insert(ino.name, ino.number);
        }
        SnapshotId id = header.snapshot();
        SnapshotRecord r = new Snapshots(ns).create(id.name(), id.uuid(), id.txid(), id.createdMillis(),
                Progress.NONE);
        if (!r.digest.equals(id.digest()) || r.fileCount != id.fileCount() || r.bytes != id.bytes()) {
            throw fault(reader, "the applied snapshot '" + id.name() + "' has digest " + r.digest + " (" + r.fileCount
                    + " files, " + r.bytes + " bytes), the delta promises " + id.digest() + " (" + id.fileCount()
                    + " files, " + id.bytes() + " bytes)");
        }
        return r;
    }

    private void delete(Delete d, DeltaReader reader) {
        Inode ino = ns.inodes.get(d.inode());
        if (ino == null || !ino.name.equals(d.name())) {
            throw fault(reader, "the image has no file '" + d.name() + "' with inode " + d.inode());
        }
        ns.remove(ino);
    }

    private void file(File f, DeltaReader reader) {
        finishFile();
        if (f.created()) {
            current = ns.inodes.allocateAt(f.inode(), f.name());
            ns.inodes.put(current);
            ns.tx.superblock().fileCount++;
            indexed = false;
            unindexed.add(current);
            changed = true;
        } else {
            current = ns.inodes.get(f.inode());
            if (current == null || !current.name.equals(f.name())) {
                throw fault(reader, "the image has no file '" + f.name() + "' with inode " + f.inode());
            }
            indexed = true;
            changed = false;
        }
        map = new FileExtents(ns.tx, current);
    }

    private void move(Move m) {
        if (indexed) {
            ns.names.remove(current.name, current.number);
            indexed = false;
            unindexed.add(current);
        }
        current.name = m.name();
    }

    /** Stores the file just changed, stamped with this transaction if its size or data changed. */
    private void finishFile() {
        if (current == null) {
            return;
        }
        if (changed) {
            current.modifyTxid = ns.tx.txid();
            current.mtimeMillis = System.currentTimeMillis();
        }
        ns.inodes.put(current);
        current = null;
        map = null;
    }

    private static CorruptDeltaException fault(DeltaReader r, String detail) {
        return new CorruptDeltaException(r.source(), r.recordNumber(), r.lastType(), r.recordOffset(), detail);
    }
}
