package dev.vde.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.btree.BTree;
import dev.vde.format.BlockTrailer;
import dev.vde.format.CatalogRoot;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.io.MemoryDevice;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.testutil.Model;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * An image with live files and snapshots on a {@link MemoryDevice}, the expected content of each,
 * and the tools to damage it: block edits (with or without a new trailer) and raw transactions
 * that change the ref-count table the way a bug in the engine would.
 */
final class SnapImage {
    final MemoryDevice dev;
    final Model live = new Model();
    /** Snapshot name to its expected files, oldest first. */
    final Map<String, Model> snapshots = new LinkedHashMap<>();
    private final Random rnd;

    SnapImage(int blockSize, long blocks, long seed) throws Exception {
        dev = new MemoryDevice(blockSize, blocks);
        Image.format(dev, 0);
        rnd = new Random(seed);
    }

    int bs() {
        return dev.blockSize();
    }

    byte[] random(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    void write(Image img, String name, long offset, byte[] data) throws Exception {
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
        live.write(name, offset, data, false);
    }

    /** Writes {@code extents} one-block pieces at every other block: that many extents, a tree past four. */
    void scattered(Image img, String name, int extents) throws Exception {
        for (int k = 0; k < extents; k++) {
            write(img, name, 2L * k * bs(), random(bs()));
        }
    }

    void remove(Image img, String name) throws Exception {
        img.remove(name);
        live.files.remove(name);
    }

    void snapshot(Image img, String name) throws Exception {
        img.createSnapshot(name);
        snapshots.put(name, live.copy());
    }

    void deleteSnapshot(Image img, String name) throws Exception {
        img.deleteSnapshot(name);
        snapshots.remove(name);
    }

    void rollback(Image img, String name) throws Exception {
        img.rollback(name);
        live.files.clear();
        live.files.putAll(snapshots.get(name).copy().files);
    }

    /**
     * The standard image: a file with an extent tree, small inline files, four snapshots taken
     * between overwrites, removes and a rollback, one of them deleted again; three remain.
     */
    static SnapImage standard(int blockSize, long seed) throws Exception {
        SnapImage s = new SnapImage(blockSize, blockSize == 512 ? 16384 : 4096, seed);
        try (Image img = Image.open(s.dev, true)) {
            s.scattered(img, "tree", 30);
            s.write(img, "a", 0, s.random(3 * blockSize + 11));
            s.write(img, "b", 0, s.random(blockSize / 2));
            s.write(img, "c", 0, s.random(5 * blockSize));
            s.snapshot(img, "s1");
            s.write(img, "tree", 5L * blockSize + 3, s.random(4 * blockSize));
            s.remove(img, "b");
            s.write(img, "d", 0, s.random(2 * blockSize));
            s.snapshot(img, "s2");
            s.write(img, "a", blockSize, s.random(blockSize));
            s.snapshot(img, "gone");
            s.write(img, "c", 0, s.random(blockSize));
            s.deleteSnapshot(img, "gone");
            s.rollback(img, "s2");
            s.write(img, "d", blockSize, s.random(3 * blockSize));
            s.snapshot(img, "s3");
            s.write(img, "tree", 0, s.random(blockSize));
            s.remove(img, "c");
        }
        return s;
    }

    /** Null if every live file and every snapshot reads back exactly as expected. */
    String diff() throws Exception {
        try (Image img = Image.open(dev, false)) {
            String d = live.diff(img);
            if (d != null) {
                return "live: " + d;
            }
            List<String> names = img.snapshots().stream().map(SnapshotInfo::name).toList();
            if (!names.equals(new ArrayList<>(snapshots.keySet()))) {
                return "snapshots " + names + ", expected " + snapshots.keySet();
            }
            for (Map.Entry<String, Model> e : snapshots.entrySet()) {
                d = e.getValue().diff(img, e.getKey());
                if (d != null) {
                    return "snapshot " + e.getKey() + ": " + d;
                }
            }
        }
        return null;
    }

    Superblock superblock() throws Exception {
        try (Image img = Image.open(dev, false)) {
            return img.superblock();
        }
    }

    CatalogRoot catalog() throws Exception {
        try (Image img = Image.open(dev, false)) {
            return img.view().catalog().clone();
        }
    }

    SnapshotRecord record(String snapshot) throws Exception {
        try (Image img = Image.open(dev, false)) {
            return new Catalog(img.view()).find(snapshot).clone();
        }
    }

    /** The list pages, in chain order. */
    List<Long> listPages() throws Exception {
        try (Image img = Image.open(dev, false)) {
            CatalogRoot root = img.view().catalog();
            List<Long> out = new ArrayList<>();
            new Catalog(img.view()).forEachPage(root.listHead, root.listPages, "list", Tag.SLST, out::add);
            return out;
        }
    }

    /** A snapshot's file-table pages, in chain order. */
    List<Long> filePages(String snapshot) throws Exception {
        SnapshotRecord r = record(snapshot);
        try (Image img = Image.open(dev, false)) {
            List<Long> out = new ArrayList<>();
            new Catalog(img.view()).forEachPage(r.filesHead, r.filesPages, "files", Tag.SFIL, out::add);
            return out;
        }
    }

    /** A frozen file's inode. */
    Inode frozen(String snapshot, String name) throws Exception {
        try (Image img = Image.open(dev, false)) {
            return img.snapshotFiles(snapshot).stream().filter(f -> f.name.equals(name)).findFirst().orElseThrow();
        }
    }

    /** Blocks of a frozen file's extent-tree nodes, parents first. */
    List<Long> frozenTreeNodes(String snapshot, String name) throws Exception {
        try (Image img = Image.open(dev, false)) {
            BTree t = img.extents(name, snapshot).tree();
            List<Long> out = new ArrayList<>();
            t.forEachNode(n -> out.add(n.block));
            return out;
        }
    }

    List<Long> refNodes() throws Exception {
        try (Image img = Image.open(dev, false)) {
            List<Long> out = new ArrayList<>();
            img.refCounts().tree().forEachNode(n -> out.add(n.block));
            return out;
        }
    }

    /** The stored ref-count entries: start, length, count. */
    List<long[]> refEntries() throws Exception {
        try (Image img = Image.open(dev, false)) {
            return img.refCounts().entries();
        }
    }

    /** The first physical block of a file's data (live when {@code snapshot} is null). */
    long firstBlock(String name, String snapshot) throws Exception {
        try (Image img = Image.open(dev, false)) {
            FileExtents m = img.extents(name, snapshot);
            long[] b = {-1};
            m.forEach(0, e -> {
                b[0] = e.start();
                return false;
            });
            return b[0];
        }
    }

    /** The physical block holding byte {@code offset} of a file (live when {@code snapshot} is null). */
    long blockAt(String name, String snapshot, long offset) throws Exception {
        try (Image img = Image.open(dev, false)) {
            dev.vde.inode.Extent e = img.extents(name, snapshot).find(offset);
            return e.start() + (offset - e.logical()) / bs();
        }
    }

    /** A block that nothing maps and the bitmap marks free, near the end of the image. */
    long freeBlock() throws Exception {
        try (Image img = Image.open(dev, false)) {
            Transaction v = img.view();
            for (long b = dev.blockCount() - 1; b > 0; b--) {
                if (!v.allocator().isUsed(b)) {
                    return b;
                }
            }
        }
        throw new AssertionError("no free block");
    }

    byte[] block(long block) {
        byte[] b = new byte[bs()];
        dev.read(block, b, 0);
        return b;
    }

    /** Changes a metadata block and seals it again, so that it verifies but says something wrong. */
    void patch(long block, Tag tag, Consumer<byte[]> change) {
        byte[] b = block(block);
        change.accept(b);
        BlockTrailer.seal(b, tag, BlockTrailer.generation(b));
        dev.write(block, b, 0);
    }

    /** Flips bits of one byte: the block no longer verifies. */
    void flip(long block, int offset) {
        byte[] b = block(block);
        b[offset] ^= 0x24;
        dev.write(block, b, 0);
    }

    /** Commits one transaction that does {@code change} to the committed state, as the engine would commit it. */
    void rawTransaction(Consumer<Transaction> change) throws Exception {
        Superblock sb = superblock();
        Transaction t = new Transaction(dev, sb, Map.of());
        change.accept(t);
        t.commit(new Journal(dev, sb.walStart, sb.walBlocks));
    }

    Checker check() throws Exception {
        return Checker.check(dev);
    }

    static String describe(Checker c) {
        return c.findings().list().stream().map(f -> f.kind.code() + "@" + f.block + ": " + f)
                .collect(Collectors.joining("\n"));
    }

    /** The findings of one kind. */
    static List<Finding> of(Checker c, Kind kind) {
        return c.findings().list().stream().filter(f -> f.kind == kind).toList();
    }

    /** Every kind found, with how often. */
    static Map<Kind, Long> kinds(Checker c) {
        return c.findings().list().stream().collect(Collectors.groupingBy(f -> f.kind, TreeMap::new,
                Collectors.counting()));
    }

    /** Repairs, then asserts the image checks clean; returns what repair removed. */
    List<String> repairToClean() throws Exception {
        Repairer.Result r = Repairer.repair(dev);
        assertThat(r.changed()).as("repair wrote").isTrue();
        Checker after = check();
        assertThat(after.findings().isClean()).as("clean after repair:\n%s", describe(after)).isTrue();
        return r.removed();
    }
}
