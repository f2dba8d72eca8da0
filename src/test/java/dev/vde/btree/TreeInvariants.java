package dev.vde.btree;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks every structural rule of a {@link BTree} by walking it from the root through the
 * store (so through encode/decode when the store keeps encoded blocks). Throws
 * {@link AssertionError} naming the first broken rule and the block at fault.
 *
 * <p>Rules checked:
 * <ul>
 * <li>height 0 exactly when root is 0; otherwise the root sits at level height-1, every node's
 *     level matches its depth, so all leaves are at the same depth;
 * <li>every node belongs to the tree's owner; count &lt;= capacity; non-root nodes hold at least
 *     {@link NodeLayout#minFill}; an internal root has at least 2 children; a root leaf is not
 *     empty;
 * <li>keys strictly increase inside each node; all keys under child i lie in [key[i], key[i+1])
 *     and inside the parent's range;
 * <li>internal key[i] equals the first key under child i, except that key[0] is
 *     {@link Long#MIN_VALUE} exactly on the leftmost path (and equals the parent's separator
 *     everywhere else);
 * <li>internal nodes have no siblings; the leaf chain followed from the first leaf through
 *     {@code next} visits exactly the leaves in tree order, each {@code prev} pointing back, the
 *     first prev and the last next being 0;
 * <li>no block is reachable twice, and if the store is a {@link MemNodeStore} dedicated to this
 *     tree, its live blocks are exactly the reachable nodes (nothing leaked, nothing freed but
 *     still referenced).
 * </ul>
 *
 * <p>Kept in test code for now; the same walk is what an fsck of the extent trees and the name
 * index needs.
 */
public final class TreeInvariants {

    /** What the walk saw. */
    public record Shape(int height, int nodes, int leaves, long entries, long firstKey, long lastKey,
            List<Long> leafBlocks) {
    }

    private final BTree tree;
    private final NodeStore store;
    private final NodeCodec codec;
    private final NodeLayout layout;
    private final Set<Long> reached = new HashSet<>();
    private final List<Node> leaves = new ArrayList<>();
    private long entries;

    private TreeInvariants(BTree tree, NodeStore store) {
        this.tree = tree;
        this.store = store;
        this.codec = tree.codec();
        this.layout = codec.layout();
    }

    public static Shape check(BTree tree, NodeStore store) {
        return new TreeInvariants(tree, store).run();
    }

    private static AssertionError fail(long block, String msg) {
        return new AssertionError("B+tree invariant broken at block " + block + ": " + msg);
    }

    private Shape run() {
        long root = tree.root();
        int height = tree.height();
        if ((root == 0) != (height == 0) || height < 0) {
            throw new AssertionError("root " + root + " with height " + height);
        }
        if (height == 0) {
            checkLive(Set.of());
            return new Shape(0, 0, 0, 0, 0, 0, List.of());
        }
        long first = walk(root, height - 1, true, true, Long.MIN_VALUE, false, 0L, true, Long.MIN_VALUE);
        checkChain();
        checkLive(reached);
        Node lastLeaf = leaves.get(leaves.size() - 1);
        long last = lastLeaf.key(lastLeaf.count - 1);
        List<Long> blocks = new ArrayList<>();
        for (Node l : leaves) {
            blocks.add(l.block);
        }
        return new Shape(height, reached.size(), leaves.size(), entries, first, last, blocks);
    }

    /**
     * Checks the subtree in {@code block}; its keys must lie in [lo, hi) (hi absent if
     * {@code !hasHi}); {@code sep} is the parent's key for it. Returns the first key under it.
     */
    private long walk(long block, int level, boolean isRoot, boolean leftmost, long lo, boolean hasHi, long hi,
            boolean noSep, long sep) {
        if (!reached.add(block)) {
            throw fail(block, "reachable twice");
        }
        Node n = store.load(block, codec);
        if (n.block != block) {
            throw fail(block, "decoded as block " + n.block);
        }
        if (n.level != level) {
            throw fail(block, "level " + n.level + " at a depth that needs level " + level);
        }
        if (n.owner != tree.owner()) {
            throw fail(block, "owner " + n.owner + ", tree owner " + tree.owner());
        }
        int cap = codec.capacity(level);
        if (n.count > cap) {
            throw fail(block, "count " + n.count + " > capacity " + cap);
        }
        if (isRoot) {
            if (n.isLeaf() && n.count < 1) {
                throw fail(block, "empty root leaf (the tree should be empty instead)");
            }
            if (!n.isLeaf() && n.count < 2) {
                throw fail(block, "internal root with " + n.count + " child(ren) (should have collapsed)");
            }
        } else if (n.count < layout.minFill(cap)) {
            throw fail(block, "count " + n.count + " < minFill " + layout.minFill(cap) + " (level " + level + ")");
        }
        for (int i = 1; i < n.count; i++) {
            if (n.key(i - 1) >= n.key(i)) {
                throw fail(block, "keys not strictly increasing at " + i + ": " + n.key(i - 1) + ", " + n.key(i));
            }
        }
        for (int i = 0; i < n.count; i++) {
            long k = n.key(i);
            boolean sentinel = !n.isLeaf() && i == 0 && leftmost;
            if (!sentinel && k < lo) {
                throw fail(block, "key " + k + " at " + i + " below the parent's range start " + lo);
            }
            if (hasHi && k >= hi) {
                throw fail(block, "key " + k + " at " + i + " not below the next separator " + hi);
            }
        }
        if (n.isLeaf()) {
            entries += n.count;
            leaves.add(n);
            return n.key(0);
        }
        if (n.next != 0 || n.prev != 0) {
            throw fail(block, "internal node with siblings next=" + n.next + " prev=" + n.prev);
        }
        if (leftmost) {
            if (n.keys[0] != Long.MIN_VALUE) {
                throw fail(block, "first key " + n.keys[0] + " on the leftmost path, expected Long.MIN_VALUE");
            }
        } else {
            if (n.keys[0] == Long.MIN_VALUE) {
                throw fail(block, "first key is Long.MIN_VALUE off the leftmost path");
            }
            if (!noSep && n.keys[0] != sep) {
                throw fail(block, "first key " + n.keys[0] + " differs from the parent's separator " + sep);
            }
        }
        long firstUnder = 0;
        for (int i = 0; i < n.count; i++) {
            boolean childLeftmost = leftmost && i == 0;
            long childLo = childLeftmost ? lo : n.keys[i];
            boolean childHasHi = i + 1 < n.count || hasHi;
            long childHi = i + 1 < n.count ? n.keys[i + 1] : hi;
            long f = walk(n.children[i], level - 1, false, childLeftmost, childLo, childHasHi, childHi, false,
                    n.keys[i]);
            if (i == 0) {
                firstUnder = f;
            }
            if (!childLeftmost && f != n.keys[i]) {
                throw fail(block, "key[" + i + "] = " + n.keys[i] + " but the first key under child " + n.children[i]
                        + " is " + f);
            }
        }
        return firstUnder;
    }

    private void checkChain() {
        Node first = leaves.get(0);
        if (first.prev != 0) {
            throw fail(first.block, "first leaf has prev " + first.prev);
        }
        // follow the chain independently of the tree walk, loading each leaf again
        long expectPrev = 0;
        long at = first.block;
        int i = 0;
        Set<Long> seen = new HashSet<>();
        while (at != 0) {
            if (i >= leaves.size()) {
                throw fail(at, "leaf chain runs past the " + leaves.size() + " leaves of the tree");
            }
            if (!seen.add(at)) {
                throw fail(at, "leaf chain loops");
            }
            Node expected = leaves.get(i);
            if (expected.block != at) {
                throw fail(at, "leaf chain position " + i + " is block " + at + ", tree order has " + expected.block);
            }
            Node l = store.load(at, codec);
            if (l.level != 0) {
                throw fail(at, "leaf chain reaches a level " + l.level + " node");
            }
            if (l.prev != expectPrev) {
                throw fail(at, "prev is " + l.prev + ", expected " + expectPrev);
            }
            expectPrev = at;
            at = l.next;
            i++;
        }
        if (i != leaves.size()) {
            throw fail(expectPrev, "leaf chain ends after " + i + " of " + leaves.size() + " leaves (last next = 0 too early)");
        }
    }

    private void checkLive(Set<Long> reachable) {
        if (store instanceof MemNodeStore m) {
            Set<Long> live = m.liveBlocks();
            if (!live.equals(reachable)) {
                TreeSet<Long> leaked = new TreeSet<>(live);
                leaked.removeAll(reachable);
                TreeSet<Long> dangling = new TreeSet<>(reachable);
                dangling.removeAll(live);
                throw new AssertionError("store has " + live.size() + " live blocks, tree reaches " + reachable.size()
                        + "; leaked (live, unreachable) " + leaked + "; referenced but not live " + dangling);
            }
        }
    }
}
