package dev.vde.inode;

import dev.vde.format.InodeLayout;
import java.util.ArrayList;
import java.util.List;

/** A file: its name, size and extent map (inline or a tree), decoded from the inode table. */
public final class Inode {
    public long number;
    public String name;
    public long size;
    public long treeRoot;
    public int treeHeight;
    /** Inline extents in logical order; empty when the extents live in a tree. */
    public final List<Extent> inline = new ArrayList<>(InodeLayout.INLINE_EXTENTS);
    public long extentCount;
    public long allocatedBlocks;
    public long createTxid;
    public long modifyTxid;
    public long mtimeMillis;
    /** The content digest, or null when the inode was written without one (computed on demand). */
    public FileDigest digest;
    /** The snapshot that holds this frozen copy, 0 for a live file (not stored in the record). */
    public long snapshot;

    /**
     * The owner recorded in the nodes of this file's extent tree: the inode number for a live
     * file, {@code snapshot << 40 | number} for a snapshot's copy, so that a live tree and a
     * snapshot tree of the same file can never be mistaken for each other.
     */
    public long treeOwner() {
        return snapshot << 40 | number;
    }

    public boolean hasTree() {
        return treeRoot != 0;
    }
}
