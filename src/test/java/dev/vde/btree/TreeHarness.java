package dev.vde.btree;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A B+tree over a {@link MemNodeStore} run side by side with a {@link TreeMap} model. Every
 * operation is applied to both and its result compared; the caller "persists" root and height
 * after each change, as an inode or superblock would, and {@link #reopen()} rebuilds the tree from
 * only those and the stored bytes.
 */
final class TreeHarness {
    final NodeCodec codec;
    final MemNodeStore store = new MemNodeStore();
    final TreeMap<Long, long[]> model = new TreeMap<>();
    final long owner;
    private final java.util.ArrayList<Long> keyList = new java.util.ArrayList<>();
    private final java.util.HashMap<Long, Integer> keyPos = new java.util.HashMap<>();
    BTree tree;
    long persistedRoot;
    int persistedHeight;
    int maxHeight;
    /** Set once the tree, having been at height 3 or more, is back at height 1 and not empty. */
    boolean shrankToOne;
    int ops;

    TreeHarness(NodeLayout layout, int blockSize) {
        this(layout, blockSize, layout == NodeLayout.EXTENTS ? 42 : 0);
    }

    TreeHarness(NodeLayout layout, int blockSize, long owner) {
        this.codec = new NodeCodec(layout, blockSize);
        this.owner = owner;
        this.tree = new BTree(codec, store, owner, 0, 0);
    }

    NodeLayout layout() {
        return codec.layout();
    }

    /** An entry with this key whose other words are derived from {@code value}. */
    long[] entry(long key, long value) {
        long[] e = new long[layout().leafWords()];
        for (int w = 0; w < e.length; w++) {
            e[w] = value * 31 + w;
        }
        e[layout().keyWord()] = key;
        return e;
    }

    private void persist() {
        ops++;
        persistedRoot = tree.root();
        persistedHeight = tree.height();
        maxHeight = Math.max(maxHeight, persistedHeight);
        if (maxHeight >= 3 && persistedHeight == 1 && !model.isEmpty()) {
            shrankToOne = true;
        }
    }

    void insert(long key, long value) {
        long[] e = entry(key, value);
        if (model.containsKey(key)) {
            try {
                tree.insert(e);
                throw new AssertionError("insert of present key " + key + " did not throw");
            } catch (IllegalStateException expected) {
                // the tree refuses duplicates and must be unchanged
            }
        } else {
            tree.insert(e);
            model.put(key, e);
            track(key, true);
        }
        persist();
    }

    void remove(long key) {
        boolean present = model.remove(key) != null;
        if (present) {
            track(key, false);
        }
        boolean removed = tree.remove(key);
        if (removed != present) {
            throw new AssertionError("remove(" + key + ") returned " + removed + ", model had it: " + present);
        }
        persist();
    }

    /** Removes the model's n-th key (modulo its size); does nothing when empty. */
    void removeNth(int n) {
        if (model.isEmpty()) {
            return;
        }
        remove(nth(n));
    }

    /** A present key chosen by {@code n} (deterministic, O(1); not the n-th in key order). */
    long nth(int n) {
        return keyList.get(Math.floorMod(n, keyList.size()));
    }

    private void track(long key, boolean added) {
        if (added) {
            keyPos.put(key, keyList.size());
            keyList.add(key);
        } else {
            int i = keyPos.remove(key);
            long last = keyList.remove(keyList.size() - 1);
            if (i < keyList.size()) {
                keyList.set(i, last);
                keyPos.put(last, i);
            }
        }
    }

    void update(long key, long value) {
        long[] e = entry(key, value);
        if (model.containsKey(key)) {
            tree.update(e);
            model.put(key, e);
        } else {
            try {
                tree.update(e);
                throw new AssertionError("update of absent key " + key + " did not throw");
            } catch (IllegalStateException expected) {
                // fine
            }
        }
        persist();
    }

    void checkLookups(long key) {
        Map.Entry<Long, long[]> f = model.floorEntry(key);
        assertEntry("floor(" + key + ")", f == null ? null : f.getValue(), tree.floor(key));
        assertEntry("get(" + key + ")", model.get(key), tree.get(key));
        BTree.Cursor c = tree.ceiling(key);
        Iterator<long[]> it = model.tailMap(key, true).values().iterator();
        for (int i = 0; i < 3; i++) {
            long[] want = it.hasNext() ? it.next() : null;
            assertEntry("ceiling(" + key + ") + " + i, want, c.valid() ? c.entry() : null);
            if (want == null) {
                break;
            }
            if (c.key() != want[layout().keyWord()]) {
                throw new AssertionError("cursor key " + c.key() + " vs entry key");
            }
            c.next();
        }
    }

    void scan() {
        BTree.Cursor c = tree.first();
        int i = 0;
        for (long[] want : model.values()) {
            if (!c.valid()) {
                throw new AssertionError("scan ended after " + i + " of " + model.size() + " entries");
            }
            assertEntry("scan #" + i, want, c.entry());
            c.next();
            i++;
        }
        if (c.valid()) {
            throw new AssertionError("scan has more than the model's " + model.size() + " entries: " + c.key());
        }
    }

    private static void assertEntry(String what, long[] want, long[] got) {
        if (!Arrays.equals(want, got)) {
            throw new AssertionError(what + ": expected " + Arrays.toString(want) + ", got " + Arrays.toString(got));
        }
    }

    /** Runs the invariant checker and compares its entry count with the model. */
    TreeInvariants.Shape check() {
        TreeInvariants.Shape s = TreeInvariants.check(tree, store);
        if (s.entries() != model.size()) {
            throw new AssertionError("tree holds " + s.entries() + " entries, model " + model.size());
        }
        if (!model.isEmpty() && (s.firstKey() != model.firstKey() || s.lastKey() != model.lastKey())) {
            throw new AssertionError("tree spans [" + s.firstKey() + ", " + s.lastKey() + "], model ["
                    + model.firstKey() + ", " + model.lastKey() + "]");
        }
        return s;
    }

    /** Rebuilds the tree from the persisted root and height only, then checks it and scans it. */
    void reopen() {
        tree = store.reopen(codec, owner, persistedRoot, persistedHeight);
        check();
        scan();
    }

    int height() {
        return tree.height();
    }
}
