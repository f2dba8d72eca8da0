package dev.vde.btree;

import dev.vde.format.BlockTrailer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A test-only {@link NodeStore} that keeps every node as its ENCODED block, so that everything
 * the tree reads back went through {@link NodeCodec#encode}, {@link BlockTrailer} and
 * {@link NodeCodec#decode}, exactly as on disk.
 *
 * <p>Block numbers start at {@link #FIRST_BLOCK} and grow; freed blocks go to a free list and are
 * reused (lowest first) by the next {@link #allocate()}, so a freed node that is still referenced
 * is quickly overwritten or, if not, fails to load. Loading or saving a block that is not live is
 * an error, which catches use-after-free in the tree code.
 *
 * <p>{@link #reopen} builds a fresh {@link BTree} from a persisted root and height over the same
 * stored bytes, with no state carried over from the old tree object (the "after reopening from
 * disk" check). A bad trailer or a bad node surfaces as the same
 * {@link dev.vde.format.CorruptImageException} a real image would raise.
 */
public final class MemNodeStore implements NodeStore {
    /** The first block handed out; blocks below it are "outside the data region". */
    public static final long FIRST_BLOCK = 16;

    private final Map<Long, byte[]> blocks = new HashMap<>();
    private final TreeSet<Long> freeList = new TreeSet<>();
    private final TreeSet<Long> live = new TreeSet<>();
    private long nextBlock = FIRST_BLOCK;
    private long txid = 1;

    // counters, for tests that want to see that something happened
    public long loads;
    public long saves;
    public long allocations;
    public long frees;

    @Override
    public Node load(long block, NodeCodec codec) {
        loads++;
        if (!live.contains(block)) {
            throw new IllegalStateException("load of block " + block + ", which is not a live node"
                    + (freeList.contains(block) ? " (it was freed)" : ""));
        }
        byte[] stored = blocks.get(block);
        if (stored == null) {
            throw new IllegalStateException("load of block " + block + ", which was allocated but never saved");
        }
        if (stored.length != codec.blockSize()) {
            throw new IllegalStateException("block " + block + " has " + stored.length + " bytes, codec wants "
                    + codec.blockSize());
        }
        byte[] b = stored.clone();
        BlockTrailer.verify(b, block, codec.layout().tag());
        return codec.decode(b, block, FIRST_BLOCK, nextBlock);
    }

    @Override
    public void save(Node node, NodeCodec codec) {
        saves++;
        if (!live.contains(node.block)) {
            throw new IllegalStateException("save of block " + node.block + ", which is not allocated"
                    + (freeList.contains(node.block) ? " (it was freed)" : ""));
        }
        byte[] b = new byte[codec.blockSize()];
        codec.encode(node, b, txid++);
        blocks.put(node.block, b);
    }

    @Override
    public long allocate() {
        allocations++;
        Long reused = freeList.pollFirst();
        long b = reused != null ? reused : nextBlock++;
        live.add(b);
        return b;
    }

    @Override
    public void free(long block) {
        frees++;
        if (!live.remove(block)) {
            throw new IllegalStateException("free of block " + block + ", which is not live"
                    + (freeList.contains(block) ? " (double free)" : ""));
        }
        blocks.remove(block);
        freeList.add(block);
    }

    /** Blocks allocated and not freed. */
    public Set<Long> liveBlocks() {
        return java.util.Collections.unmodifiableSet(live);
    }

    public int liveCount() {
        return live.size();
    }

    /** A copy of the stored bytes of a live block (null if none). */
    public byte[] raw(long block) {
        byte[] b = blocks.get(block);
        return b == null ? null : b.clone();
    }

    /** Flips one bit of a stored block, to check that loads verify the trailer. */
    public void flipBit(long block, int byteOffset, int bit) {
        blocks.get(block)[byteOffset] ^= (byte) (1 << bit);
    }

    /**
     * A fresh tree over the same stored bytes, built only from the root and height the caller
     * persisted (as an inode or superblock would).
     */
    public BTree reopen(NodeCodec codec, long owner, long persistedRoot, int persistedHeight) {
        return new BTree(codec, this, owner, persistedRoot, persistedHeight);
    }

    /** Shorthand: reopens from the root and height the tree reports now. */
    public BTree reopen(BTree t) {
        return reopen(t.codec(), t.owner(), t.root(), t.height());
    }

    @Override
    public String toString() {
        return "MemNodeStore{live=" + live.size() + ", free=" + freeList.size() + ", next=" + nextBlock
                + ", stored=" + Arrays.toString(blocks.keySet().stream().sorted().limit(8).toArray()) + "...}";
    }
}
