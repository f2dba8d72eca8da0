package dev.vde.snapshot;

import dev.vde.inode.FileDigest;
import java.util.UUID;

/** One snapshot as the catalog lists it. */
public final class SnapshotRecord implements Cloneable {
    public long id;
    public UUID uuid;
    public String name;
    /** The transaction that created it: the snapshot is the live state as committed just before. */
    public long txid;
    public long createdMillis;
    /** The content digest over its files (see {@link SnapshotDigest}). */
    public FileDigest digest;
    public long fileCount;
    /** Sum of the file sizes. */
    public long bytes;
    public long extentCount;
    /** Data blocks its files map (shared or not). */
    public long dataBlocks;
    /** First file-table page (SFIL), 0 when it holds no files. */
    public long filesHead;
    public long filesPages;
    /** Blocks of its own metadata: file-table pages and extent-tree nodes. */
    public long metaBlocks;

    @Override
    public SnapshotRecord clone() {
        try {
            return (SnapshotRecord) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
