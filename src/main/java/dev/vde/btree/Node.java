package dev.vde.btree;

import java.util.Arrays;

/**
 * One decoded tree node. Leaves hold {@code count} entries of {@code leafWords} words in
 * {@code words}; internal nodes hold {@code count} pairs of {@code keys[i]} and
 * {@code children[i]}, where {@code keys[i]} is the smallest key under {@code children[i]}
 * (Long.MIN_VALUE for the first child of every node on the leftmost path).
 */
public final class Node {
    public long block;
    public int level;
    public long owner;
    public long next;
    public long prev;
    public int count;
    /** Leaf entries, {@code count * leafWords} used. */
    public long[] words;
    /** Internal keys. */
    public long[] keys;
    /** Internal child blocks. */
    public long[] children;

    private final NodeLayout layout;

    Node(NodeLayout layout, int level, int capacity) {
        this.layout = layout;
        this.level = level;
        if (level == 0) {
            words = new long[(capacity + 1) * layout.leafWords()];
        } else {
            keys = new long[capacity + 1];
            children = new long[capacity + 1];
        }
    }

    public boolean isLeaf() {
        return level == 0;
    }

    public NodeLayout layout() {
        return layout;
    }

    /** Key of entry {@code i} (leaf or internal). */
    public long key(int i) {
        return isLeaf() ? words[i * layout.leafWords() + layout.keyWord()] : keys[i];
    }

    /** A copy of leaf entry {@code i}. */
    public long[] entry(int i) {
        int w = layout.leafWords();
        return Arrays.copyOfRange(words, i * w, i * w + w);
    }

    public long word(int i, int word) {
        return words[i * layout.leafWords() + word];
    }

    /** Index of the last entry whose key is at most {@code key}, or -1. */
    public int floor(long key) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = key(mid);
            if (k <= key) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi;
    }

    void insertLeaf(int at, long[] entry) {
        int w = layout.leafWords();
        System.arraycopy(words, at * w, words, (at + 1) * w, (count - at) * w);
        System.arraycopy(entry, 0, words, at * w, w);
        count++;
    }

    void setLeaf(int at, long[] entry) {
        System.arraycopy(entry, 0, words, at * layout.leafWords(), layout.leafWords());
    }

    void insertChild(int at, long key, long child) {
        System.arraycopy(keys, at, keys, at + 1, count - at);
        System.arraycopy(children, at, children, at + 1, count - at);
        keys[at] = key;
        children[at] = child;
        count++;
    }

    void removeAt(int at) {
        if (isLeaf()) {
            int w = layout.leafWords();
            System.arraycopy(words, (at + 1) * w, words, at * w, (count - at - 1) * w);
        } else {
            System.arraycopy(keys, at + 1, keys, at, count - at - 1);
            System.arraycopy(children, at + 1, children, at, count - at - 1);
        }
        count--;
    }

    /** Moves entries {@code [from, count)} of this node to the end of {@code dst}. */
    void moveTailTo(int from, Node dst) {
        int n = count - from;
        if (isLeaf()) {
            int w = layout.leafWords();
            System.arraycopy(words, from * w, dst.words, dst.count * w, n * w);
        } else {
            System.arraycopy(keys, from, dst.keys, dst.count, n);
            System.arraycopy(children, from, dst.children, dst.count, n);
        }
        dst.count += n;
        count = from;
    }

    /** Moves the first {@code n} entries of {@code src} to the end of this node. */
    void takeHeadFrom(Node src, int n) {
        if (isLeaf()) {
            int w = layout.leafWords();
            System.arraycopy(src.words, 0, words, count * w, n * w);
            System.arraycopy(src.words, n * w, src.words, 0, (src.count - n) * w);
        } else {
            System.arraycopy(src.keys, 0, keys, count, n);
            System.arraycopy(src.children, 0, children, count, n);
            System.arraycopy(src.keys, n, src.keys, 0, src.count - n);
            System.arraycopy(src.children, n, src.children, 0, src.count - n);
        }
        count += n;
        src.count -= n;
    }

    /** Moves the last {@code n} entries of {@code src} to the front of this node. */
    void takeTailFrom(Node src, int n) {
        int from = src.count - n;
        if (isLeaf()) {
            int w = layout.leafWords();
            System.arraycopy(words, 0, words, n * w, count * w);
            System.arraycopy(src.words, from * w, words, 0, n * w);
        } else {
            System.arraycopy(keys, 0, keys, n, count);
            System.arraycopy(children, 0, children, n, count);
            System.arraycopy(src.keys, from, keys, 0, n);
            System.arraycopy(src.children, from, children, 0, n);
        }
        count += n;
        src.count -= n;
    }
}
