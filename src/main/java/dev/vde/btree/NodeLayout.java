package dev.vde.btree;

import dev.vde.format.BlockTrailer;
import dev.vde.format.Tag;

/**
 * What a tree's leaf entries look like: a fixed number of little-endian 64-bit words, one of which
 * is the key. Internal entries are always {@code key i64, child i64}.
 *
 * @param tag       the node magic and trailer tag
 * @param leafWords words per leaf entry
 * @param keyWord   which word of a leaf entry is its key
 */
public record NodeLayout(Tag tag, int leafWords, int keyWord) {
    public static final int HEADER = 32;
    public static final int INTERNAL_ENTRY = 16;

    /** Extent trees: {@code startBlock i64, blockCount i32 + flags u32, logicalOffset i64}; key = logicalOffset. */
    public static final NodeLayout EXTENTS = new NodeLayout(Tag.EXTN, 3, 2);
    /** The name index: {@code nameHash i64, inode i64}; key = nameHash. */
    public static final NodeLayout NAMES = new NodeLayout(Tag.NIDX, 2, 0);
    /** Reference counts: {@code startBlock i64, blockCount i64, count i64}; key = startBlock. */
    public static final NodeLayout REFCOUNTS = new NodeLayout(Tag.RCNT, 3, 0);

    public int leafEntryBytes() {
        return leafWords * 8;
    }

    public int leafCapacity(int blockSize) {
        return (blockSize - HEADER - BlockTrailer.SIZE) / leafEntryBytes();
    }

    public int internalCapacity(int blockSize) {
        return (blockSize - HEADER - BlockTrailer.SIZE) / INTERNAL_ENTRY;
    }

    /** Below this many entries a non-root node is merged or refilled (40 % of capacity). */
    public int minFill(int capacity) {
        return Math.max(1, capacity * 2 / 5);
    }
}
