package dev.vde.image;

import dev.vde.inode.FileDigest;
import dev.vde.snapshot.SnapshotRecord;
import java.util.UUID;

/**
 * A snapshot as commands report it.
 *
 * @param digest     the content digest over its files (printed as 32 hex digits)
 * @param dataBlocks data blocks its files map, shared or not
 * @param metaBlocks blocks of its own metadata (file table and extent trees)
 * @param txid       the txid it was taken at on the image that took it: part of its identity,
 *                   the same on every replica
 * @param localTxid  this image's transaction that created it (equal to txid unless it was
 *                   received by {@code apply})
 */
public record SnapshotInfo(long id, UUID uuid, String name, long txid, long createdMillis, FileDigest digest,
        long fileCount, long bytes, long extentCount, long dataBlocks, long metaBlocks, long localTxid) {
    static SnapshotInfo of(SnapshotRecord r) {
        return new SnapshotInfo(r.id, r.uuid, r.name, r.txid, r.createdMillis, r.digest, r.fileCount,
                r.bytes, r.extentCount, r.dataBlocks, r.metaBlocks, r.localTxid);
    }
}
