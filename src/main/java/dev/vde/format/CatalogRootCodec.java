package dev.vde.format;

import dev.vde.btree.NodeCodec;

/**
 * Encodes the snapshot catalog root (tag {@code SNAP}), block {@code snapStart}. It is written
 * with the first snapshot; before that the superblock's {@code catalogBlock} is 0 and the
 * catalog is empty.
 *
 * <pre>
 * offset size field
 * +0     8    snapshotCount   snapshots in the list
 * +8     8    nextSnapshotId  id of the next snapshot (ids start at 1 and are never reused)
 * +16    8    listHead        first snapshot list page (SLST), 0 when there are none
 * +24    8    listPages       pages in the list chain
 * +32    8    refRoot         root of the ref-count tree (RCNT), 0 when every count is 1
 * +40    4    refHeight       levels of the ref-count tree, 0 when empty
 * +44    ..   reserved (0) up to the trailer
 * -16    16   trailer (tag SNAP, generation, XXH64)
 * </pre>
 */
public final class CatalogRootCodec {
    private CatalogRootCodec() {
    }

    public static byte[] encode(CatalogRoot c, int blockSize) {
        byte[] b = new byte[blockSize];
        LE.i64(b, 0, c.snapshotCount);
        LE.i64(b, 8, c.nextSnapshotId);
        LE.i64(b, 16, c.listHead);
        LE.i64(b, 24, c.listPages);
        LE.i64(b, 32, c.refRoot);
        LE.i32(b, 40, c.refHeight);
        return b;
    }

    /** Decodes a verified block, checking every pointer against the superblock's data region. */
    public static CatalogRoot decode(byte[] b, long blockNo, Superblock sb) {
        CatalogRoot c = new CatalogRoot();
        c.snapshotCount = LE.i64(b, 0);
        c.nextSnapshotId = LE.i64(b, 8);
        c.listHead = LE.i64(b, 16);
        c.listPages = LE.i64(b, 24);
        c.refRoot = LE.i64(b, 32);
        c.refHeight = LE.i32(b, 40);
        String bad = null;
        if (c.snapshotCount < 0 || c.nextSnapshotId < 1 || c.nextSnapshotId > MAX_SNAPSHOT_ID
                || c.snapshotCount >= c.nextSnapshotId) {
            bad = "snapshot counters out of range (count " + c.snapshotCount + ", next id " + c.nextSnapshotId + ")";
        } else if ((c.listHead == 0) != (c.snapshotCount == 0) || (c.listHead == 0) != (c.listPages == 0)
                || c.listPages < 0 || (c.listHead != 0 && outside(c.listHead, sb))) {
            bad = "snapshot list " + c.listHead + " (" + c.listPages + " pages) does not match " + c.snapshotCount
                    + " snapshots";
        } else if ((c.refRoot == 0) != (c.refHeight == 0) || c.refHeight < 0 || c.refHeight > NodeCodec.MAX_LEVEL + 1
                || (c.refRoot != 0 && outside(c.refRoot, sb))) {
            bad = "ref-count tree root " + c.refRoot + " with height " + c.refHeight + " out of range";
        }
        if (bad != null) {
            throw new CorruptImageException(blockNo, "snapshot catalog", bad);
        }
        return c;
    }

    /** Snapshot ids fit in the upper bits of a tree owner (see {@code Inode.treeOwner}). */
    public static final long MAX_SNAPSHOT_ID = (1L << 23) - 1;

    private static boolean outside(long block, Superblock sb) {
        return block < sb.dataStart || block >= sb.totalBlocks;
    }
}
