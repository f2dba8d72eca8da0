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

    public boolean hasTree() {
        return treeRoot != 0;
    }
}
