package dev.vde.btree;

import dev.vde.format.CorruptImageException;

/**
 * A B+tree of fixed-size entries keyed by a signed 64-bit key, stored one node per block.
 *
 * <p>Rules: leaves are chained both ways in key order; a full node splits 50/50 and the first key
 * of the right half goes up; a non-root node below 40 % fill borrows from or merges with a
 * sibling under the same parent; an internal root with one child is replaced by that child, and
 * an empty root leaf leaves an empty tree (root 0, height 0). Every internal key equals the first
 * key under its child, except the first key of each node on the leftmost path, which is
 * {@link Long#MIN_VALUE}.
 *
 * <p>The caller persists {@link #root()} and {@link #height()} (in the inode or superblock).
 * A cursor is valid only until the next change to the tree.
 */
public final class BTree {
    private final NodeCodec codec;
    private final NodeStore store;
    private final long owner;
    private long root;
    private int height;

    public BTree(NodeCodec codec, NodeStore store, long owner, long root, int height) {
        if ((root == 0) != (height == 0) || height < 0 || height > NodeCodec.MAX_LEVEL + 1) {
            throw new CorruptImageException("tree of owner " + owner + ": root " + root + " with height " + height);
        }
        this.codec = codec;
        this.store = store;
        this.owner = owner;
        this.root = root;
        this.height = height;
    }

    public long root() {
        return root;
    }

    public int height() {
        return height;
    }

    public long owner() {
        return owner;
    }

    public NodeCodec codec() {
        return codec;
    }

    /** Loads a node and checks that it sits where the walk expects it. */
    Node load(long block, int level) {
        Node n = store.load(block, codec);
        if (n.level != level) {
            throw new CorruptImageException(block, codec.layout().tag() + " node",
                    "level " + n.level + " where the tree needs level " + level);
        }
        if (n.owner != owner) {
            throw new CorruptImageException(block, codec.layout().tag() + " node",
                    "belongs to owner " + n.owner + ", reached from owner " + owner);
        }
        return n;
    }

    public Node loadNode(long block, int level) {
        return load(block, level);
    }

    private Node descend(long key, Node[] path, int[] idx) {
        Node n = load(root, height - 1);
        for (int d = 0; d < height - 1; d++) {
            int i = Math.max(0, n.floor(key));
            if (path != null) {
                path[d] = n;
                idx[d] = i;
            }
            n = load(n.children[i], n.level - 1);
        }
        if (path != null) {
            path[height - 1] = n;
        }
        return n;
    }

    /** The entry with the greatest key at most {@code key}, or null. */
    public long[] floor(long key) {
        if (height == 0) {
            return null;
        }
        Node leaf = descend(key, null, null);
        int i = leaf.floor(key);
        return i < 0 ? null : leaf.entry(i);
    }

    /** The entry with exactly this key, or null. */
    public long[] get(long key) {
        long[] e = floor(key);
        return e != null && e[codec.layout().keyWord()] == key ? e : null;
    }

    /** A cursor at the first entry whose key is at least {@code key}. */
    public Cursor ceiling(long key) {
        if (height == 0) {
            return new Cursor(null, 0);
        }
        Node leaf = descend(key, null, null);
        int i = leaf.floor(key);
        if (i < 0 || leaf.key(i) != key) {
            i++;
        }
        Cursor c = new Cursor(leaf, i);
        c.settle();
        return c;
    }

    /** A cursor at the first entry. */
    public Cursor first() {
        return ceiling(Long.MIN_VALUE);
    }

    /**
     * Inserts an entry whose key is not in the tree.
     *
     * @throws IllegalStateException if the key is present
     */
    public void insert(long[] entry) {
        long key = entry[codec.layout().keyWord()];
        if (height == 0) {
            Node leaf = codec.newNode(0);
            leaf.owner = owner;
            leaf.block = store.allocate();
            leaf.insertLeaf(0, entry);
            store.save(leaf, codec);
            root = leaf.block;
            height = 1;
            return;
        }
        Node[] path = new Node[height];
        int[] idx = new int[height];
        Node leaf = descend(key, path, idx);
        int at = leaf.floor(key);
        if (at >= 0 && leaf.key(at) == key) {
            throw new IllegalStateException("key " + key + " already in tree of owner " + owner);
        }
        leaf.insertLeaf(at + 1, entry);
        if (leaf.count <= codec.capacity(0)) {
            store.save(leaf, codec);
            return;
        }
        Node right = split(leaf);
        long sep = right.key(0);
        long rightBlock = right.block;
        for (int d = height - 2; d >= 0; d--) {
            Node p = path[d];
            p.insertChild(idx[d] + 1, sep, rightBlock);
            if (p.count <= codec.capacity(p.level)) {
                store.save(p, codec);
                return;
            }
            Node r = split(p);
            sep = r.keys[0];
            rightBlock = r.block;
        }
        Node newRoot = codec.newNode(height);
        newRoot.owner = owner;
        newRoot.block = store.allocate();
        newRoot.insertChild(0, Long.MIN_VALUE, root);
        newRoot.insertChild(1, sep, rightBlock);
        store.save(newRoot, codec);
        root = newRoot.block;
        height++;
    }

    /** Replaces the entry that has the same key as {@code entry}. */
    public void update(long[] entry) {
        long key = entry[codec.layout().keyWord()];
        Node leaf = height == 0 ? null : descend(key, null, null);
        int at = leaf == null ? -1 : leaf.floor(key);
        if (at < 0 || leaf.key(at) != key) {
            throw new IllegalStateException("key " + key + " not in tree of owner " + owner);
        }
        leaf.setLeaf(at, entry);
        store.save(leaf, codec);
    }

    /** Splits an over-full node 50/50; saves both halves and returns the right one. */
    private Node split(Node n) {
        Node r = codec.newNode(n.level);
        r.owner = owner;
        r.block = store.allocate();
        n.moveTailTo(n.count / 2, r);
        if (n.isLeaf()) {
            r.next = n.next;
            r.prev = n.block;
            if (n.next != 0) {
                Node nx = load(n.next, 0);
                nx.prev = r.block;
                store.save(nx, codec);
            }
            n.next = r.block;
        }
        store.save(n, codec);
        store.save(r, codec);
        return r;
    }

    /** Removes the entry with this key; returns false if there is none. */
    public boolean remove(long key) {
        if (height == 0) {
            return false;
        }
        Node[] path = new Node[height];
        int[] idx = new int[height];
        Node leaf = descend(key, path, idx);
        int at = leaf.floor(key);
        if (at < 0 || leaf.key(at) != key) {
            return false;
        }
        leaf.removeAt(at);
        if (at == 0 && leaf.count > 0) {
            raiseSeparators(path, idx, height - 1, leaf.key(0));
        }
        rebalance(path, idx, height - 1);
        return true;
    }

    /**
     * After the first key under {@code path[d]} became {@code newFirst}, rewrites the separators
     * above it that must equal it (stopping at a Long.MIN_VALUE key or at a non-first child).
     */
    private void raiseSeparators(Node[] path, int[] idx, int d, long newFirst) {
        for (int k = d - 1; k >= 0; k--) {
            Node p = path[k];
            int i = idx[k];
            if (p.keys[i] == Long.MIN_VALUE || p.keys[i] == newFirst) {
                return;
            }
            p.keys[i] = newFirst;
            store.save(p, codec);
            if (i != 0) {
                return;
            }
        }
    }

    private void rebalance(Node[] path, int[] idx, int d) {
        Node n = path[d];
        if (d == 0) {
            if (n.isLeaf() && n.count == 0) {
                store.free(n.block);
                root = 0;
                height = 0;
            } else if (!n.isLeaf() && n.count == 1) {
                store.free(n.block);
                root = n.children[0];
                height--;
            } else {
                store.save(n, codec);
            }
            return;
        }
        int cap = codec.capacity(n.level);
        Node p = path[d - 1];
        int i = idx[d - 1];
        if (n.count >= codec.layout().minFill(cap) || p.count < 2) {
            store.save(n, codec);
            return;
        }
        boolean fromLeft = i > 0;
        int si = fromLeft ? i - 1 : i + 1;
        Node s = load(p.children[si], n.level);
        Node left = fromLeft ? s : n;
        Node right = fromLeft ? n : s;
        int leftIdx = fromLeft ? si : i;
        int rightIdx = leftIdx + 1;
        if (left.count + right.count <= cap) {
            boolean leftWasEmpty = left.count == 0;
            right.moveTailTo(0, left);
            if (left.isLeaf()) {
                left.next = right.next;
                if (right.next != 0) {
                    Node nx = load(right.next, 0);
                    nx.prev = left.block;
                    store.save(nx, codec);
                }
            }
            store.save(left, codec);
            store.free(right.block);
            p.removeAt(rightIdx);
            if (leftWasEmpty && p.keys[leftIdx] != Long.MIN_VALUE) {
                p.keys[leftIdx] = left.key(0);
                if (leftIdx == 0) {
                    raiseSeparators(path, idx, d - 1, left.key(0));
                }
            }
            rebalance(path, idx, d - 1);
        } else {
            int targetLeft = (left.count + right.count) / 2;
            if (left.count < targetLeft) {
                left.takeHeadFrom(right, targetLeft - left.count);
            } else {
                right.takeTailFrom(left, left.count - targetLeft);
            }
            store.save(left, codec);
            store.save(right, codec);
            p.keys[rightIdx] = right.key(0);
            store.save(p, codec);
        }
    }

    /** Visits every node, parents before children; the visitor must not change the tree. */
    public void forEachNode(NodeVisitor visitor) {
        if (height > 0) {
            visit(root, height - 1, visitor);
        }
    }

    private void visit(long block, int level, NodeVisitor visitor) {
        Node n = load(block, level);
        visitor.visit(n);
        if (!n.isLeaf()) {
            for (int i = 0; i < n.count; i++) {
                visit(n.children[i], level - 1, visitor);
            }
        }
    }

    /** Frees every node; the tree is empty afterwards. */
    public void freeAll() {
        forEachNode(n -> store.free(n.block));
        root = 0;
        height = 0;
    }

    @FunctionalInterface
    public interface NodeVisitor {
        void visit(Node n);
    }

    /** Walks entries in key order along the leaf chain. */
    public final class Cursor {
        private Node leaf;
        private int index;

        Cursor(Node leaf, int index) {
            this.leaf = leaf;
            this.index = index;
        }

        /**
         * Moves to the next leaf while the current one is used up. Keys must keep increasing from
         * leaf to leaf and no leaf may be empty, so a damaged chain that loops back is caught
         * instead of walked forever.
         */
        void settle() {
            while (leaf != null && index >= leaf.count) {
                if (leaf.next == 0) {
                    leaf = null;
                    return;
                }
                long from = leaf.block;
                boolean hadKeys = leaf.count > 0;
                long lastKey = hadKeys ? leaf.key(leaf.count - 1) : Long.MIN_VALUE;
                leaf = load(leaf.next, 0);
                String what = codec.layout().tag() + " node";
                if (leaf.prev != from) {
                    throw new CorruptImageException(leaf.block, what,
                            "previous sibling is " + leaf.prev + ", but block " + from + " links to it");
                }
                if (leaf.count == 0) {
                    throw new CorruptImageException(leaf.block, what, "empty leaf in the sibling chain");
                }
                if (hadKeys && leaf.key(0) <= lastKey) {
                    throw new CorruptImageException(leaf.block, what, "first key " + leaf.key(0)
                            + " does not follow the last key " + lastKey + " of block " + from);
                }
                index = 0;
            }
        }

        public boolean valid() {
            return leaf != null;
        }

        public long key() {
            return leaf.key(index);
        }

        public long[] entry() {
            return leaf.entry(index);
        }

        public long word(int w) {
            return leaf.word(index, w);
        }

        public void next() {
            index++;
            settle();
        }
    }
}
