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
    /**
     * The transaction of this image that created it. For a snapshot taken here it equals
     * {@link #txid}; for one received in a delta, {@code txid} is the source's (the snapshot's
     * identity, the same on every image) and this is the apply transaction. Everything that
     * compares a snapshot with this image's inode txids (the diff planner's skip rule, the order
     * of snapshots) uses this one: the two images' txids are unrelated sequences.
     */
    public long localTxid;
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
