package dev.vde.btree;

import java.util.Arrays;

/**
 * Builds a B+tree bottom-up from entries given in increasing key order, in O(n) node writes
 * instead of the O(n log n) of repeated inserts: leaves are filled to capacity and chained, then
 * each level above is built over the first keys of the level below. The last two nodes of a
 * level share their entries when the last would fall below the minimum fill, so the result obeys
 * every rule {@link BTree} keeps (fill, separators, {@link Long#MIN_VALUE} on the leftmost path,
 * sibling chain). Frozen snapshot trees stay full; a tree that is changed later splits as usual.
 *
 * <p>Only one leaf is held back at a time, so memory is two nodes plus one key and one block
 * number per leaf.
 */
public final class BTreeBuilder {
    private final NodeCodec codec;
    private final NodeStore store;
    private final long owner;
    private final int words;
    private final int leafCap;
    /** The full leaf before {@link #cur}, not yet saved: its entries may still be shared with the last. */
    private Node held;
    private Node cur;
    private long lastKey;
    private boolean any;
    private long count;
    private long[] firstKeys = new long[16];
    private long[] blocks = new long[16];
    private int leaves;
    private long nodes;

    public BTreeBuilder(NodeCodec codec, NodeStore store, long owner) {
        this.codec = codec;
        this.store = store;
        this.owner = owner;
        this.words = codec.layout().leafWords();
        this.leafCap = codec.capacity(0);
    }

    /**
     * Appends an entry; its key must be greater than every key before it.
     *
     * @throws IllegalArgumentException if keys are not strictly increasing
     */
    public void add(long[] entry) {
        long key = entry[codec.layout().keyWord()];
        if (any && key <= lastKey) {
            throw new IllegalArgumentException("keys must increase: " + key + " after " + lastKey);
        }
        any = true;
        lastKey = key;
        if (cur == null || cur.count == leafCap) {
            Node next = newNode(0);
            if (cur != null) {
                cur.next = next.block;
                next.prev = cur.block;
                if (held != null) {
                    store.save(held, codec);
                    record(held);
                }
                held = cur;
            }
            cur = next;
        }
        System.arraycopy(entry, 0, cur.words, cur.count * words, words);
        cur.count++;
        count++;
    }

    public long count() {
        return count;
    }

    /** Blocks the tree takes. */
    public long nodes() {
        return nodes;
    }

    /** Saves the remaining nodes and builds the levels above; returns the finished tree. */
    public BTree finish() {
        if (cur == null) {
            return new BTree(codec, store, owner, 0, 0);
        }
        int min = codec.layout().minFill(leafCap);
        if (held != null && cur.count < min) {
            int total = held.count + cur.count;
            cur.takeTailFrom(held, (total + 1) / 2 - cur.count);
        }
        if (held != null) {
            store.save(held, codec);
            record(held);
        }
        store.save(cur, codec);
        record(cur);
        long[] keys = Arrays.copyOf(firstKeys, leaves);
        long[] children = Arrays.copyOf(blocks, leaves);
        int level = 0;
        while (keys.length > 1) {
            level++;
            long[][] up = buildLevel(level, keys, children);
            keys = up[0];
            children = up[1];
        }
        return new BTree(codec, store, owner, children[0], level + 1);
    }

    private void record(Node leaf) {
        if (leaves == firstKeys.length) {
            firstKeys = Arrays.copyOf(firstKeys, leaves * 2);
            blocks = Arrays.copyOf(blocks, leaves * 2);
        }
        firstKeys[leaves] = leaf.key(0);
        blocks[leaves] = leaf.block;
        leaves++;
    }

    /** One internal level over {@code children}, spread evenly so every node is at least half full. */
    private long[][] buildLevel(int level, long[] keys, long[] children) {
        int cap = codec.capacity(level);
        int n = keys.length;
        int nodes = (n + cap - 1) / cap;
        long[] upKeys = new long[nodes];
        long[] upBlocks = new long[nodes];
        int from = 0;
        for (int i = 0; i < nodes; i++) {
            int size = n / nodes + (i < n % nodes ? 1 : 0);
            Node node = newNode(level);
            for (int j = 0; j < size; j++) {
                node.keys[j] = keys[from + j];
                node.children[j] = children[from + j];
            }
            node.count = size;
            if (i == 0) {
                // The leftmost path's first separator covers every key below the smallest.
                node.keys[0] = Long.MIN_VALUE;
            }
            store.save(node, codec);
            upKeys[i] = keys[from];
            upBlocks[i] = node.block;
            from += size;
        }
        return new long[][] {upKeys, upBlocks};
    }

    private Node newNode(int level) {
        Node n = codec.newNode(level);
        n.owner = owner;
        n.block = store.allocate();
        nodes++;
        return n;
    }
}
