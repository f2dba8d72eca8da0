package dev.vde.delta;

import dev.vde.inode.FileDigest;
import java.util.UUID;

/**
 * The identity of a snapshot at one end of a delta, as the source image holds it: a target of
 * {@code apply} creates the new snapshot with the same uuid, name and txid, and checks that its
 * content digest comes out equal.
 *
 * @param createdMillis creation time on the source, milliseconds since the epoch
 * @param digest        content digest over the snapshot's files (see {@code SnapshotDigest})
 * @param fileCount     files in the snapshot
 * @param bytes         sum of their sizes
 */
public record SnapshotId(UUID uuid, String name, long txid, long createdMillis, FileDigest digest, long fileCount,
        long bytes) {
}
