package dev.vde.inode;

import dev.vde.btree.BTree;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.format.Checksums;
import dev.vde.format.Superblock;
import dev.vde.wal.Transaction;
import java.nio.charset.StandardCharsets;

/**
 * Name to inode, in O(log n): a B+tree keyed by the XXH64 of the name's UTF-8 bytes. The name
 * itself lives in the inode, which a lookup reads to confirm the match. Two names with the same
 * hash take consecutive keys (linear probing in key space); removal shifts later entries of the
 * probe run back so that lookups can stop at the first missing key.
 */
public final class NameIndex {
    private final Transaction tx;
    private final Superblock sb;
    private final InodeTable inodes;
    private final BTree tree;

    public NameIndex(Transaction tx, InodeTable inodes) {
        this.tx = tx;
        this.sb = tx.superblock();
        this.inodes = inodes;
        this.tree = new BTree(new NodeCodec(NodeLayout.NAMES, sb.blockSize), tx, 0, sb.nameRoot, sb.nameHeight);
    }

    public static long hash(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return Checksums.xx(b, 0, b.length);
    }

    public BTree tree() {
        return tree;
    }

    /** The inode with this name, or null. */
    public Inode lookup(String name) {
        for (long k = hash(name);; k++) {
            long[] e = tree.get(k);
            if (e == null) {
                return null;
            }
            Inode ino = inodes.get(e[1]);
            if (ino != null && ino.name.equals(name)) {
                return ino;
            }
        }
    }

    /** Adds a name that is not in the index. */
    public void insert(String name, long inode) {
        long k = hash(name);
        while (tree.get(k) != null) {
            k++;
        }
        tree.insert(new long[] {k, inode});
        persist();
    }

    /** Removes the entry of {@code name}, which must be present for {@code inode}. */
    public void remove(String name, long inode) {
        long k = hash(name);
        while (true) {
            long[] e = tree.get(k);
            if (e == null) {
                throw new IllegalStateException("name " + name + " is not indexed");
            }
            if (e[1] == inode) {
                break;
            }
            k++;
        }
        tree.remove(k);
        long hole = k;
        for (long j = k + 1;; j++) {
            long[] e = tree.get(j);
            if (e == null) {
                break;
            }
            Inode moved = inodes.get(e[1]);
            long home = moved == null ? j : hash(moved.name);
            // The entry may fill the hole if the hole lies on its probe path [home, j).
            if (Long.compareUnsigned(hole - home, j - home) < 0) {
                tree.remove(j);
                tree.insert(new long[] {hole, e[1]});
                hole = j;
            }
        }
        persist();
    }

    /** Frees the whole index: no name is indexed afterwards. */
    public void clear() {
        tree.freeAll();
        persist();
    }

    private void persist() {
        sb.nameRoot = tree.root();
        sb.nameHeight = tree.height();
    }
}
