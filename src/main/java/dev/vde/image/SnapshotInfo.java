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
 */
public record SnapshotInfo(long id, UUID uuid, String name, long txid, long createdMillis, FileDigest digest,
        long fileCount, long bytes, long extentCount, long dataBlocks, long metaBlocks) {
    static SnapshotInfo of(SnapshotRecord r) {
        return new SnapshotInfo(r.id, r.uuid, r.name, r.txid, r.createdMillis, r.digest, r.fileCount,
                r.bytes, r.extentCount, r.dataBlocks, r.metaBlocks);
    }
}
