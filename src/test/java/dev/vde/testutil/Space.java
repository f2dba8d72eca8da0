package dev.vde.testutil;

import dev.vde.btree.BTree;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.inode.FileExtents;
import dev.vde.inode.InodeTable;
import dev.vde.inode.NameIndex;

/** Exact space accounting: what the image says is used against what its files reference. */
public final class Space {
    private Space() {
    }

    private static long nodes(BTree tree) {
        if (tree == null) {
            return 0;
        }
        long[] n = {0};
        tree.forEachNode(x -> n[0]++);
        return n[0];
    }

    /** Data blocks of every file, plus every extent-tree and name-index node. */
    public static long referencedBlocks(Image img) {
        long total = nodes(new NameIndex(img.view(), new InodeTable(img.view())).tree());
        for (FileInfo f : img.list()) {
            FileExtents map = img.extents(f.name());
            long[] mapped = {0};
            map.forEach(0, e -> {
                mapped[0] += e.count();
                return true;
            });
            if (mapped[0] != f.blocks()) {
                throw new AssertionError("file " + f.name() + ": inode counts " + f.blocks() + " blocks, extents map "
                        + mapped[0]);
            }
            total += f.blocks() + nodes(map.tree());
        }
        return total;
    }

    /** Null if used blocks equal referenced blocks, else the difference explained. */
    public static String check(Image img) throws java.io.IOException {
        long used = img.info().usedBlocks();
        long referenced = referencedBlocks(img);
        return used == referenced ? null : "image uses " + used + " blocks, files and trees reference " + referenced;
    }
}
