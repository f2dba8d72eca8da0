package dev.vde.btree;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.LE;

/**
 * Encodes a tree node into one block.
 *
 * <pre>
 * offset size field
 * +0     4    magic        the layout's tag, e.g. "EXTN" (extent tree) or "NIDX" (name index)
 * +4     2    level        u16, 0 = leaf
 * +6     2    entryCount   u16
 * +8     8    owner        inode number of the file (extent trees), 0 for the name index
 * +16    8    nextSibling  next leaf in key order, 0 at the end (0 in internal nodes)
 * +24    8    prevSibling  previous leaf, 0 at the start (0 in internal nodes)
 * +32    ..   entries      leaf: leafWords x i64 each (extent: startBlock i64, blockCount i32,
 *                          flags u32, logicalOffset i64 = 24 B; name: nameHash i64, inode i64);
 *                          internal: key i64, childBlock i64 (16 B)
 * -16    16   trailer      tag (same as magic), generation, XXH64
 * </pre>
 *
 * Capacity is {@code (blockSize - 48) / entrySize}: 168 extents or 253 children at 4 KiB.
 */
public final class NodeCodec {
    public static final int MAX_LEVEL = 32;

    private final NodeLayout layout;
    private final int blockSize;
    private final int leafCapacity;
    private final int internalCapacity;

    public NodeCodec(NodeLayout layout, int blockSize) {
        this.layout = layout;
        this.blockSize = blockSize;
        this.leafCapacity = layout.leafCapacity(blockSize);
        this.internalCapacity = layout.internalCapacity(blockSize);
    }

    public int capacity(int level) {
        return level == 0 ? leafCapacity : internalCapacity;
    }

    public Node newNode(int level) {
        return new Node(layout, level, capacity(level));
    }

    public void encode(Node n, byte[] b, long txid) {
        if (n.count > capacity(n.level)) {
            throw new IllegalStateException("node over capacity: " + n.count);
        }
        java.util.Arrays.fill(b, (byte) 0);
        LE.be32(b, 0, layout.tag().value());
        LE.u16(b, 4, n.level);
        LE.u16(b, 6, n.count);
        LE.i64(b, 8, n.owner);
        LE.i64(b, 16, n.next);
        LE.i64(b, 24, n.prev);
        int off = NodeLayout.HEADER;
        if (n.isLeaf()) {
            int words = n.count * layout.leafWords();
            for (int i = 0; i < words; i++, off += 8) {
                LE.i64(b, off, n.words[i]);
            }
        } else {
            for (int i = 0; i < n.count; i++, off += 16) {
                LE.i64(b, off, n.keys[i]);
                LE.i64(b, off + 8, n.children[i]);
            }
        }
        BlockTrailer.seal(b, layout.tag(), txid);
    }

    /**
     * Decodes a node whose trailer was verified, checking everything a walk relies on: magic,
     * level, count, key order and child pointers inside {@code [minBlock, maxBlock)}.
     */
    public Node decode(byte[] b, long blockNo, long minBlock, long maxBlock) {
        String what = layout.tag().name() + " node";
        if (LE.be32(b, 0) != layout.tag().value()) {
            throw new CorruptImageException(blockNo, what, "bad magic");
        }
        int level = LE.u16(b, 4);
        int count = LE.u16(b, 6);
        if (level > MAX_LEVEL) {
            throw new CorruptImageException(blockNo, what, "level " + level + " exceeds " + MAX_LEVEL);
        }
        if (count > capacity(level)) {
            throw new CorruptImageException(blockNo, what, "entry count " + count + " exceeds capacity " + capacity(level));
        }
        Node n = newNode(level);
        n.block = blockNo;
        n.count = count;
        n.owner = LE.i64(b, 8);
        n.next = LE.i64(b, 16);
        n.prev = LE.i64(b, 24);
        int off = NodeLayout.HEADER;
        if (n.isLeaf()) {
            int words = count * layout.leafWords();
            for (int i = 0; i < words; i++, off += 8) {
                n.words[i] = LE.i64(b, off);
            }
            checkPointer(n.next, blockNo, what, "next sibling", minBlock, maxBlock);
            checkPointer(n.prev, blockNo, what, "previous sibling", minBlock, maxBlock);
        } else {
            for (int i = 0; i < count; i++, off += 16) {
                n.keys[i] = LE.i64(b, off);
                n.children[i] = LE.i64(b, off + 8);
                if (n.children[i] == 0) {
                    throw new CorruptImageException(blockNo, what, "child " + i + " is block 0");
                }
                checkPointer(n.children[i], blockNo, what, "child " + i, minBlock, maxBlock);
            }
            if (count == 0) {
                throw new CorruptImageException(blockNo, what, "internal node without children");
            }
        }
        for (int i = 1; i < count; i++) {
            if (n.key(i - 1) >= n.key(i)) {
                throw new CorruptImageException(blockNo, what, "keys out of order at entry " + i);
            }
        }
        return n;
    }

    private static void checkPointer(long p, long blockNo, String what, String field, long min, long max) {
        if (p != 0 && (p < min || p >= max)) {
            throw new CorruptImageException(blockNo, what, field + " points to block " + p
                    + " outside the data region [" + min + ", " + max + ")");
        }
    }

    public int blockSize() {
        return blockSize;
    }

    public NodeLayout layout() {
        return layout;
    }
}
