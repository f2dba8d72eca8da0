package dev.vde.delta;

/**
 * What a delta changes on its target, as {@code apply} (and {@code apply --dry-run}) reports it.
 *
 * @param created     files the delta creates
 * @param deleted     files of the base it deletes
 * @param renamed     files of the base it renames
 * @param changed     files of the base whose size or data it changes (a rename alone is not a change)
 * @param dataRecords DATA records
 * @param dataBytes   bytes of data written (whole blocks)
 * @param holes       HOLE records
 * @param holeBytes   bytes turned into holes
 */
public record ApplyStats(long created, long deleted, long renamed, long changed, long dataRecords, long dataBytes,
        long holes, long holeBytes) {

    /** Counts gathered record by record. */
    static final class Builder {
        long created;
        long deleted;
        long renamed;
        long changed;
        long dataRecords;
        long dataBytes;
        long holes;
        long holeBytes;

        ApplyStats build() {
            return new ApplyStats(created, deleted, renamed, changed, dataRecords, dataBytes, holes, holeBytes);
        }
    }
}
