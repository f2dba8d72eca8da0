package dev.vde.delta;

import java.util.UUID;

/**
 * The header of a delta (record 0): what the stream changes, from which snapshot to which.
 *
 * @param version     format version (the writer always writes {@link DeltaFormat#VERSION})
 * @param blockSize   block size of the source image; the target must have the same
 * @param sourceImage uuid of the source image
 * @param snapshot    the snapshot the delta leads to
 * @param base        the snapshot it starts from, or null for a full delta (from an empty image)
 * @param extentCount number of {@link RecordType#DATA} records in the stream
 */
public record DeltaHeader(int version, int blockSize, UUID sourceImage, SnapshotId snapshot, SnapshotId base,
        int extentCount) {
    /** A version-{@link DeltaFormat#VERSION} header. */
    public DeltaHeader(int blockSize, UUID sourceImage, SnapshotId snapshot, SnapshotId base, int extentCount) {
        this(DeltaFormat.VERSION, blockSize, sourceImage, snapshot, base, extentCount);
    }

    /** True for a full delta: no base, applied to an image without files or snapshots. */
    public boolean full() {
        return base == null;
    }

    /** The seed header's {@code sinceTxId}: the base snapshot's txid, 0 for a full delta. */
    public long sinceTxId() {
        return base == null ? 0 : base.txid();
    }

    /** The seed header's {@code untilTxId}: the txid of the snapshot the delta leads to. */
    public long untilTxId() {
        return snapshot.txid();
    }
}
