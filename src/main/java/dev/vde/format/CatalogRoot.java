package dev.vde.format;

/**
 * The root of the snapshot catalog, kept in the first block of the SNAP region: how many
 * snapshots there are and where their records are, and the root of the ref-count table.
 */
public final class CatalogRoot implements Cloneable {
    public long snapshotCount;
    /** Id the next snapshot gets; ids are never reused. */
    public long nextSnapshotId = 1;
    /** First snapshot list page (SLST), 0 when there are no snapshots. */
    public long listHead;
    public long listPages;
    /** Root of the ref-count tree (RCNT), 0 when every count is 1. */
    public long refRoot;
    public int refHeight;

    @Override
    public CatalogRoot clone() {
        try {
            return (CatalogRoot) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
