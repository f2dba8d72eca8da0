package dev.vde.delta;

/**
 * What planning a delta found.
 *
 * @param filesCreated   files the base does not have
 * @param filesDeleted   files of the base that are gone
 * @param filesRenamed   files whose name changed
 * @param filesUnchanged files skipped without walking their extent maps: not modified since the base (by txid)
 * @param filesWalked    files whose extent maps were compared
 * @param extentsShipped extent records whose data is shipped
 * @param blocksShipped  blocks of data shipped
 * @param blocksSkipped  blocks the two snapshots share physically, skipped without reading
 * @param holes          hole records
 */
public record DiffStats(long filesCreated, long filesDeleted, long filesRenamed, long filesUnchanged, long filesWalked,
        long extentsShipped, long blocksShipped, long blocksSkipped, long holes) {
}
