package dev.vde.testutil;

import dev.vde.alloc.RefCountTable;
import dev.vde.btree.BTree;
import dev.vde.format.CatalogRoot;
import dev.vde.format.Tag;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeTable;
import dev.vde.inode.NameIndex;
import dev.vde.snapshot.Catalog;
import dev.vde.wal.Transaction;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Exact space accounting: what the image says is used against the distinct blocks that live
 * files, snapshots and every tree and page of metadata reference; and the reference count of
 * every data block against the number of live files and snapshots that map it.
 */
public final class Space {
    private Space() {
    }

    private static void nodes(BTree tree, BitSet out) {
        if (tree != null) {
            tree.forEachNode(x -> mark(out, x.block, 1));
        }
    }

    private static void mark(BitSet out, long start, long count) {
        out.set(Math.toIntExact(start), Math.toIntExact(start + count));
    }

    private static void file(FileExtents map, long expectBlocks, String what, BitSet out) {
        long[] mapped = {0};
        map.forEach(0, e -> {
            mapped[0] += e.count();
            mark(out, e.start(), e.count());
            return true;
        });
        if (mapped[0] != expectBlocks) {
            throw new AssertionError(what + ": inode counts " + expectBlocks + " blocks, extents map " + mapped[0]);
        }
        nodes(map.tree(), out);
    }

    /** Every block in use: data of live files and snapshots, tree nodes, catalog pages. */
    public static BitSet referenced(Image img) {
        BitSet out = new BitSet();
        Transaction view = img.view();
        nodes(new NameIndex(view, new InodeTable(view)).tree(), out);
        for (FileInfo f : img.list()) {
            file(img.extents(f.name()), f.blocks(), "file " + f.name(), out);
        }
        nodes(img.refCounts().tree(), out);
        CatalogRoot root = view.catalog();
        Catalog catalog = new Catalog(view);
        catalog.forEachPage(root.listHead, root.listPages, "list", Tag.SLST, b -> mark(out, b, 1));
        for (SnapshotInfo s : img.snapshots()) {
            var r = catalog.find(s.name());
            catalog.forEachPage(r.filesHead, r.filesPages, "files", Tag.SFIL, b -> mark(out, b, 1));
            for (Inode f : img.snapshotFiles(s.name())) {
                file(new FileExtents(view, f), f.allocatedBlocks, "snapshot " + s.name() + " file " + f.name, out);
            }
        }
        return out;
    }

    public static long referencedBlocks(Image img) {
        return referenced(img).cardinality();
    }

    /** Null if used blocks equal referenced blocks, else the difference explained. */
    public static String check(Image img) throws java.io.IOException {
        long used = img.info().usedBlocks();
        long referenced = referencedBlocks(img);
        return used == referenced ? null : "image uses " + used + " blocks, files, snapshots and metadata reference "
                + referenced;
    }

    /**
     * Null if the ref-count table says, for every data block, exactly how many live files and
     * snapshot files map it (a block mapped once has no entry), and holds no entry for a block
     * that fewer or more files map; else the first difference.
     */
    public static String checkCounts(Image img) {
        Map<Long, Integer> holders = new HashMap<>();
        FileExtents.ExtentVisitor count = e -> {
            for (long b = e.start(); b < e.start() + e.count(); b++) {
                holders.merge(b, 1, Integer::sum);
            }
            return true;
        };
        for (FileInfo f : img.list()) {
            img.extents(f.name()).forEach(0, count);
        }
        for (SnapshotInfo s : img.snapshots()) {
            for (Inode f : img.snapshotFiles(s.name())) {
                new FileExtents(img.view(), f).forEach(0, count);
            }
        }
        RefCountTable table = img.refCounts();
        for (long[] e : table.entries()) {
            for (long b = e[0]; b < e[0] + e[1]; b++) {
                int mapped = holders.getOrDefault(b, 0);
                if (mapped != e[2]) {
                    return "block " + b + ": the table stores count " + e[2] + " (entry [" + e[0] + ", +" + e[1]
                            + "]), " + mapped + " files map it";
                }
            }
        }
        for (Map.Entry<Long, Integer> h : holders.entrySet()) {
            long stored = table.count(h.getKey());
            if (stored != h.getValue()) {
                return "block " + h.getKey() + ": count " + stored + ", " + h.getValue() + " files map it";
            }
        }
        return null;
    }
}
