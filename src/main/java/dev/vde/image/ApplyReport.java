package dev.vde.image;

import dev.vde.delta.ApplyStats;
import dev.vde.delta.DeltaHeader;

/**
 * What {@code apply} did, or with {@code --dry-run} would do.
 *
 * @param snapshot    the snapshot created; null for a dry run
 * @param streamBytes bytes of the verified stream
 * @param freeBlocks  free blocks of the image before
 * @param forced      whether the live files were first rolled back to the base (or, for a full
 *                    delta, removed)
 */
public record ApplyReport(DeltaHeader header, ApplyStats stats, SnapshotInfo snapshot, long streamBytes,
        long freeBlocks, boolean forced) {
    public boolean dryRun() {
        return snapshot == null;
    }
}
