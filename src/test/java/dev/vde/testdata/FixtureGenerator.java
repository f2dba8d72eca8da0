package dev.vde.testdata;

import dev.vde.btree.BTree;
import dev.vde.btree.Node;
import dev.vde.format.BlockTrailer;
import dev.vde.format.LE;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.Extent;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the format-v1 fixtures of {@code testdata/}: three clean images made through the engine
 * API ({@link Image#create}, {@link Image#open}, {@link Image#write}, {@link Image#remove}) and
 * damaged copies of them, each gzipped, with {@code expected.tsv} (what fsck and fsck --repair must
 * say of each), {@code contents.tsv} (the files of the clean images, size and SHA-256) and
 * {@code known-failures.tsv} (fixtures whose correct expectation the current code does not meet).
 *
 * <p>Run: {@code mvn -B -q test-compile && java -cp target/classes:target/test-classes:$(cat cp.txt)
 * dev.vde.testdata.FixtureGenerator testdata} (see testdata/README.md). Data comes from fixed seeds
 * and block numbers depend only on the sequence of operations, so every expectation is the same on
 * every run; only the UUID and the timestamps differ, and no expectation depends on them.
 */
public final class FixtureGenerator {
    static final int BS = 512;
    /** 2048 blocks: log 2-9, bitmap 10, inode table 11-74 (one inode per block), reserved 75-90, data from 91. */
    static final long SIZE = 1 << 20;
    /** deep.vde: extents written every other block, one transaction each; 400 give an extent tree of height 3. */
    static final int DEEP_EXTENTS = 400;

    /** One fixture row of expected.tsv. */
    record Expect(String fixture, String source, int fsck, List<String> findings, int repair, int recheck,
            List<String> removed, List<String> changed, String how) {
        String row() {
            return String.join("\t", fixture, source, Integer.toString(fsck), String.join(" ", findings),
                    Integer.toString(repair), Integer.toString(recheck), list(removed), list(changed), how);
        }

        private static String list(List<String> l) {
            return l.isEmpty() ? "-" : String.join(",", l);
        }
    }

    /** contents.tsv: {@code snapshot} is {@code -} for a live file, else the snapshot that holds it. */
    static final String CONTENTS_HEADER = "image\tname\tsize\tsha256\tsnapshot";
    static final String HEADER = "fixture\tsource\tfsck\tfindings\trepair\trecheck\tremoved\tchanged\thow";

    private final Path work;
    private final Path out;
    /** Clean image -> file name -> content. */
    private final Map<String, Map<String, byte[]>> contents = new LinkedHashMap<>();
    private final List<Expect> expected = new ArrayList<>();
    private final List<Expect> knownFailures = new ArrayList<>();

    /** snapshots.vde: image -> snapshot name -> file name -> content. */
    private final Map<String, Map<String, Map<String, byte[]>>> snapshotContents = new LinkedHashMap<>();
    /** snapshots.vde: the snapshot list as the engine reports it after the last operation. */
    private final Map<String, List<SnapshotInfo>> snapshotLists = new LinkedHashMap<>();
    /** Fixtures whose .vde.gz is (re)written; empty: all of them. */
    private final Set<String> only;

    private FixtureGenerator(Path work, Path out, Set<String> only) {
        this.work = work;
        this.out = out;
        this.only = only;
    }

    static final String SNAPSHOTS_HEADER = "image\tid\tname\ttxid\tdigest\tfiles\tbytes";

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "testdata");
        Files.createDirectories(out);
        Set<String> only = new TreeSet<>(Arrays.asList(args).subList(Math.min(1, args.length), args.length));
        Path work = Files.createTempDirectory("vde-fixtures");
        try {
            new FixtureGenerator(work, out, only).run();
        } finally {
            try (var s = Files.list(work)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(work);
        }
    }

    private void run() throws Exception {
        buildEmpty();
        buildFiles();
        buildDeep();
        buildSnapshots();
        damageFiles();
        damageDeep();
        writeTables();
    }

    // ---- clean images ----

    private void buildEmpty() throws IOException {
        Image.create(work.resolve("empty.vde"), SIZE, BS, 0, false);
        contents.put("empty.vde", new LinkedHashMap<>());
        expected.add(new Expect("empty.vde", "-", 0, List.of(), 0, 0, List.of(), List.of(),
                "format --size 1M --block-size 512; nothing else"));
    }

    /** Five small files: one of two blocks, one of the same length, one with a hole, an empty one, one appended to. */
    private void buildFiles() throws IOException {
        Path img = work.resolve("files.vde");
        Image.create(img, SIZE, BS, 0, false);
        Random rnd = new Random(0x5eed_f11e5L);
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Image i = Image.open(img, true)) {
            write(i, files, "alpha", 0, random(rnd, 700));
            write(i, files, "beta", 0, random(rnd, 900));
            write(i, files, "holes", 0, random(rnd, 1000));
            write(i, files, "holes", 8 * BS, random(rnd, 1000)); // blocks 2-7 are a hole
            write(i, files, "empty", 0, new byte[0]);
            write(i, files, "log.txt", 0, "first line\n".getBytes(StandardCharsets.UTF_8));
            write(i, files, "scratch", 0, random(rnd, 3000));
            write(i, files, "log.txt", 11, "second line\n".getBytes(StandardCharsets.UTF_8));
            i.remove("scratch"); // its blocks are free again, and inode 6 with them
            files.remove("scratch");
        }
        contents.put("files.vde", files);
        expected.add(new Expect("files.vde", "-", 0, List.of(), 0, 0, List.of(), List.of(),
                "alpha (700 B), beta (900 B), holes (1000 B at 0 and at 4096: blocks 2-7 a hole), empty (0 B), "
                        + "log.txt (two writes), scratch (3000 B, removed): one transaction each"));
    }

    private void buildDeep() throws IOException {
        Path img = work.resolve("deep.vde");
        Image.create(img, SIZE, BS, 0, false);
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (Image i = Image.open(img, true)) {
            for (int k = 0; k < DEEP_EXTENTS; k++) {
                // text that names its block: a misplaced block shows in the hash, and gzip packs it small
                byte[] b = new byte[BS];
                byte[] line = String.format("deep block %06d%n", 2 * k).getBytes(StandardCharsets.US_ASCII);
                for (int o = 0; o < BS; o++) {
                    b[o] = line[o % line.length];
                }
                write(i, files, "deep", 2L * k * BS, b);
            }
            if (i.extents("deep").tree().height() < 3) {
                throw new IllegalStateException("deep.vde: extent tree of height " + i.extents("deep").tree().height());
            }
        }
        contents.put("deep.vde", files);
        expected.add(new Expect("deep.vde", "-", 0, List.of(), 0, 0, List.of(), List.of(),
                "deep: " + DEEP_EXTENTS + " blocks of 512 B (text naming the block) written every other block, one transaction each: "
                        + DEEP_EXTENTS + " extents, an extent tree of height 3"));
    }

    /**
     * Files, snapshots and changes between them: shared extents partly overwritten, a file the
     * snapshot holds removed, a rename, a new file, and a snapshot deleted (ids not contiguous), so
     * the catalog (SNAP, SLST, SFIL), frozen extent trees and the ref-count table (RCNT) all hold
     * something.
     */
    private void buildSnapshots() throws IOException {
        String name = "snapshots.vde";
        Path img = work.resolve(name);
        Image.create(img, SIZE, BS, 0, false);
        Random rnd = new Random(0x5eed_5a95L);
        Map<String, byte[]> live = new LinkedHashMap<>();
        Map<String, Map<String, byte[]>> snaps = new LinkedHashMap<>();
        try (Image i = Image.open(img, true)) {
            write(i, live, "doc", 0, random(rnd, 1500)); // 3 blocks, one extent
            write(i, live, "sparse", 0, random(rnd, 1000));
            write(i, live, "sparse", 8 * BS, random(rnd, 1000)); // blocks 2-7 a hole
            for (int k = 0; k < 6; k++) { // every other block: 6 extents, more than the inode holds inline
                write(i, live, "frag", 2L * k * BS, random(rnd, BS));
            }
            write(i, live, "gone", 0, random(rnd, 700));
            if (i.extents("frag").tree() == null) {
                throw new IllegalStateException(name + ": frag has no extent tree");
            }
            snapshot(i, live, snaps, "mon");

            write(i, live, "doc", 600, random(rnd, 100)); // inside the shared extent: copy on write
            i.remove("gone"); // mon still holds it
            live.remove("gone");
            i.rename("sparse", "sparse.img", false);
            live.put("sparse.img", live.remove("sparse"));
            write(i, live, "new.txt", 0, "made on tuesday\n".getBytes(StandardCharsets.UTF_8));
            snapshot(i, live, snaps, "tue");

            write(i, live, "frag", 2L * BS + 100, random(rnd, 200)); // frag's second extent, shared by mon and tue
            snapshot(i, live, snaps, "tmp");
            write(i, live, "doc", 0, random(rnd, 50));
            i.deleteSnapshot("tmp"); // its id is not reused: the ids left are 1, 2, 4
            snaps.remove("tmp");
            snapshot(i, live, snaps, "wed");

            write(i, live, "new.txt", 16, "and on wednesday\n".getBytes(StandardCharsets.UTF_8));
            if (i.refCounts().isEmpty()) {
                throw new IllegalStateException(name + ": the ref-count table is empty");
            }
            List<SnapshotInfo> list = i.snapshots();
            List<Long> ids = list.stream().map(SnapshotInfo::id).toList();
            if (list.size() < 3 || ids.get(ids.size() - 1) - ids.get(0) == ids.size() - 1) {
                throw new IllegalStateException(name + ": snapshot ids " + ids + " (want 3 or more, not contiguous)");
            }
            snapshotLists.put(name, list);
        }
        contents.put(name, live);
        snapshotContents.put(name, snaps);
        expected.add(new Expect(name, "-", 0, List.of(), 0, 0, List.of(), List.of(),
                "doc (1500 B), sparse (1000 B at 0 and at 4096), frag (6 blocks every other block: an extent tree), "
                        + "gone (700 B); snapshot mon; doc bytes 600-699 rewritten, gone removed, sparse renamed "
                        + "sparse.img, new.txt; snapshot tue; frag bytes 1124-1323 rewritten; snapshot tmp; doc bytes "
                        + "0-49 rewritten; tmp deleted; snapshot wed; new.txt appended: snapshots mon, tue, wed "
                        + "(ids 1, 2, 4), a non-empty ref-count table"));
    }

    private static void snapshot(Image i, Map<String, byte[]> live, Map<String, Map<String, byte[]>> snaps,
            String name) throws IOException {
        i.createSnapshot(name);
        Map<String, byte[]> frozen = new TreeMap<>();
        live.forEach((k, v) -> frozen.put(k, v.clone()));
        snaps.put(name, frozen);
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** Writes through the engine and into the model of the file's content. */
    private static void write(Image i, Map<String, byte[]> model, String name, long offset, byte[] data)
            throws IOException {
        i.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
        byte[] old = model.getOrDefault(name, new byte[0]);
        byte[] now = Arrays.copyOf(old, (int) Math.max(old.length, offset + data.length));
        System.arraycopy(data, 0, now, (int) offset, data.length);
        model.put(name, now);
    }

    // ---- what the clean images hold, read back through the engine ----

    /** The layout of a clean image that the damage needs: superblock, inodes, extents, tree nodes. */
    private static final class Layout {
        Superblock sb;
        Map<String, FileInfo> files = new LinkedHashMap<>();
        Map<String, List<Extent>> extents = new LinkedHashMap<>();
        /** deep: the extent tree, nodes by level from the root. */
        long treeRoot;
        int treeHeight;
        Map<Long, Node> nodes = new LinkedHashMap<>();

        long older() {
            return (sb.txid + 1) & 1;
        }

        long newer() {
            return sb.txid & 1;
        }

        long inodeBlock(String name) {
            return sb.inodeStart + (files.get(name).inode() - 1) / sb.inodesPerBlock();
        }

        int inodeOffset(String name) {
            return (int) ((files.get(name).inode() - 1) % sb.inodesPerBlock()) * 448;
        }

        long inode(String name) {
            return files.get(name).inode();
        }

        /** The leaves in key order. */
        List<Node> leaves() {
            List<Node> l = new ArrayList<>();
            collectLeaves(treeRoot, l);
            return l;
        }

        private void collectLeaves(long block, List<Node> l) {
            Node n = nodes.get(block);
            if (n.isLeaf()) {
                l.add(n);
            } else {
                for (int c = 0; c < n.count; c++) {
                    collectLeaves(n.children[c], l);
                }
            }
        }

        /** Nodes below {@code block} (not itself) and the data blocks their leaves map. */
        TreeSet<Long> blocksBelow(long block) {
            TreeSet<Long> s = new TreeSet<>();
            Node n = nodes.get(block);
            if (n.isLeaf()) {
                for (int e = 0; e < n.count; e++) {
                    Extent x = Extent.fromWords(n.entry(e));
                    for (long b = x.start(); b < x.start() + x.count(); b++) {
                        s.add(b);
                    }
                }
            } else {
                for (int c = 0; c < n.count; c++) {
                    s.add(n.children[c]);
                    s.addAll(blocksBelow(n.children[c]));
                }
            }
            return s;
        }
    }

    private Layout layout(String image) throws IOException {
        Layout l = new Layout();
        try (Image i = Image.open(work.resolve(image), false)) {
            l.sb = i.superblock();
            for (FileInfo f : i.list()) {
                l.files.put(f.name(), f);
                List<Extent> ex = new ArrayList<>();
                i.extents(f.name()).forEach(0, e -> ex.add(e));
                l.extents.put(f.name(), ex);
            }
            if (l.files.containsKey("deep")) {
                BTree t = i.extents("deep").tree();
                l.treeRoot = t.root();
                l.treeHeight = t.height();
                t.forEachNode(n -> l.nodes.put(n.block, n));
            }
        }
        return l;
    }

    /** Starts of the runs of {@code blocks} (a run of leaked blocks is one finding, at its first block). */
    private static List<Long> runStarts(TreeSet<Long> blocks) {
        List<Long> starts = new ArrayList<>();
        for (long b : blocks) {
            if (!blocks.contains(b - 1)) {
                starts.add(b);
            }
        }
        return starts;
    }

    private static String f(String kind, long block) {
        return kind + "@" + block;
    }

    private static String f(String kind, long block, long inode) {
        return kind + "@" + block + "#" + inode;
    }

    // ---- damage ----

    private Path copy(String source, String fixture) throws IOException {
        return Files.copy(work.resolve(source), work.resolve(fixture), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void damage(Path img, long block, Consumer<byte[]> change) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            byte[] b = new byte[BS];
            raf.seek(block * BS);
            raf.readFully(b);
            change.accept(b);
            raf.seek(block * BS);
            raf.write(b);
        }
    }

    /** Flips bit 2 of one byte: the block's checksum no longer matches. */
    private static void flip(Path img, long block, int offset) throws IOException {
        damage(img, block, b -> b[offset] ^= 0x04);
    }

    /** Changes a field and reseals the trailer: the block verifies, its content is wrong. */
    private static void reseal(Path img, long block, Tag tag, long txid, Consumer<byte[]> change) throws IOException {
        damage(img, block, b -> {
            change.accept(b);
            BlockTrailer.seal(b, tag, txid);
        });
    }

    private void damageFiles() throws IOException {
        Layout l = layout("files.vde");
        Superblock sb = l.sb;
        String src = "files.vde";
        List<String> none = List.of();

        Path p = copy(src, "files-sb-flip.vde");
        flip(p, l.older(), 300);
        expected.add(new Expect("files-sb-flip.vde", src, 4, List.of(f("superblock-copy", l.older())), 1, 0, none, none,
                "bit flipped in byte 300 of the older superblock copy (block " + l.older() + ")"));

        p = copy(src, "files-sb-zeroed.vde");
        damage(p, l.older(), b -> Arrays.fill(b, (byte) 0));
        expected.add(new Expect("files-sb-zeroed.vde", src, 4, List.of(f("superblock-copy", l.older())), 1, 0, none,
                none, "older superblock copy (block " + l.older() + ") zeroed"));

        p = copy(src, "files-sb-newer-zeroed.vde");
        damage(p, l.newer(), b -> Arrays.fill(b, (byte) 0));
        expected.add(new Expect("files-sb-newer-zeroed.vde", src, 0, List.of(f("superblock-pending", l.newer()), f("wal-pending", sb.walStart)), 1, 0,
                none, none, "newer superblock copy (block " + l.newer() + ") zeroed: the committed log still holds it, "
                        + "so it is a note (status 0) and --repair replays the log"));

        p = copy(src, "files-sb-both.vde");
        flip(p, 0, 300);
        flip(p, 1, 300);
        expected.add(new Expect("files-sb-both.vde", src, 4,
                List.of(f("superblock-copy", 0), f("superblock-copy", 1)), 1, 0, none, none,
                "bit flipped in byte 300 of both superblock copies (magic intact): the log still holds the last "
                        + "commit's superblock, so every file is recovered and --repair rewrites both copies"));

        p = copy(src, "files-wal-flip.vde");
        flip(p, sb.walStart, 100);
        expected.add(new Expect("files-wal-flip.vde", src, 4, List.of(f("wal-header", sb.walStart)), 1, 0, none, none,
                "bit flipped in byte 100 of the log header (block " + sb.walStart + "); no transaction is pending"));

        p = copy(src, "files-bitmap-flip.vde");
        flip(p, sb.bitmapStart, 20);
        expected.add(new Expect("files-bitmap-flip.vde", src, 4, List.of(f("bad-block", sb.bitmapStart)), 1, 0, none,
                none, "bit flipped in byte 20 of the bitmap block (block " + sb.bitmapStart + ")"));

        // beta's inode block: beta is lost, its name dangles, its blocks leak
        long betaBlock = l.inodeBlock("beta");
        p = copy(src, "files-inode-flip.vde");
        flip(p, betaBlock, l.inodeOffset("beta") + 200);
        List<String> fi = new ArrayList<>(List.of(f("bad-block", betaBlock), f("name-dangling", -1, l.inode("beta"))));
        for (long s : runStarts(blocksOf(l.extents.get("beta")))) {
            fi.add(f("leaked", s));
        }
        expected.add(new Expect("files-inode-flip.vde", src, 4, fi, 1, 0, List.of("beta"), none,
                "bit flipped in the inode-table block of beta (block " + betaBlock + ", inode " + l.inode("beta") + ")"));

        p = copy(src, "files-names-flip.vde");
        flip(p, sb.nameRoot, 40);
        List<String> fn = new ArrayList<>(List.of(f("bad-block", sb.nameRoot)));
        l.files.values().stream().sorted(Comparator.comparingLong(FileInfo::inode))
                .forEach(x -> fn.add(f("name-missing", -1, x.inode())));
        expected.add(new Expect("files-names-flip.vde", src, 4, fn, 1, 0, none, none,
                "bit flipped in byte 40 of the name-index root leaf (block " + sb.nameRoot + ")"));

        long leaked = sb.totalBlocks - 1;
        p = copy(src, "files-leaked.vde");
        reseal(p, sb.bitmapStart, Tag.BMAP, sb.txid, b -> b[(int) (leaked / 8)] |= (byte) (1 << (leaked % 8)));
        expected.add(new Expect("files-leaked.vde", src, 4, List.of(f("leaked", leaked), f("counters", 0)), 1, 0, none,
                none, "bitmap bit of the last block (" + leaked + ") set, trailer resealed: marked in use, referenced by "
                        + "nothing, and the free count is one too high"));

        // beta's extent is pointed at alpha's blocks (both files are 2 blocks)
        Extent a = l.extents.get("alpha").get(0);
        Extent bx = l.extents.get("beta").get(0);
        p = copy(src, "files-used-twice.vde");
        reseal(p, betaBlock, Tag.INOD, sb.txid, b -> LE.i64(b, l.inodeOffset("beta") + 80, a.start()));
        List<String> ft = new ArrayList<>(List.of(f("used-twice", a.start(), l.inode("beta"))));
        TreeSet<Long> betaOld = blocksOf(List.of(bx));
        betaOld.removeAll(blocksOf(List.of(a)));
        for (long s : runStarts(betaOld)) {
            ft.add(f("leaked", s));
        }
        expected.add(new Expect("files-used-twice.vde", src, 4, ft, 1, 0, none, List.of("beta"),
                "beta's extent (blocks " + bx.start() + "+" + bx.count() + ") pointed at alpha's blocks " + a.start()
                        + "+" + a.count() + " in its inode (block " + betaBlock + "), trailer resealed"));

        long holesBlock = l.inodeBlock("holes");
        p = copy(src, "files-size-short.vde");
        reseal(p, holesBlock, Tag.INOD, sb.txid, b -> LE.i64(b, l.inodeOffset("holes") + 16, BS));
        expected.add(new Expect("files-size-short.vde", src, 4, List.of(f("extent-past-eof", -1, l.inode("holes"))), 1, 0,
                none, List.of("holes"), "size of holes set to 512 in its inode (block " + holesBlock
                        + "), trailer resealed: its second extent lies past the end; repair drops it (holes is then "
                        + "512 bytes)"));

        p = copy(src, "files-truncated.vde");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength((sb.totalBlocks - 1) * BS);
        }
        expected.add(new Expect("files-truncated.vde", src, 4, List.of(f("truncated", -1)), 4, 4, none, none,
                "image file cut to " + (sb.totalBlocks - 1) + " blocks (the superblock says " + sb.totalBlocks
                        + "): fsck must say it is truncated, and --repair must not change it"));
    }

    private static TreeSet<Long> blocksOf(List<Extent> ex) {
        TreeSet<Long> s = new TreeSet<>();
        for (Extent e : ex) {
            for (long b = e.start(); b < e.start() + e.count(); b++) {
                s.add(b);
            }
        }
        return s;
    }

    private void damageDeep() throws IOException {
        Layout l = layout("deep.vde");
        Superblock sb = l.sb;
        String src = "deep.vde";
        long ino = l.inode("deep");
        List<Node> leaves = l.leaves();
        Node root = l.nodes.get(l.treeRoot);

        // a leaf in the middle: its extents are lost, its neighbours' links point at it
        int li = leaves.size() / 2;
        Node leaf = leaves.get(li);
        Path p = copy(src, "deep-leaf-flip.vde");
        flip(p, leaf.block, 100);
        List<String> fl = new ArrayList<>(List.of(f("bad-block", leaf.block, ino), f("extent", -1, ino),
                f("sibling-link", leaves.get(li + 1).block, ino), f("sibling-link", leaves.get(li - 1).block, ino)));
        for (long s : runStarts(l.blocksBelow(leaf.block))) {
            fl.add(f("leaked", s));
        }
        expected.add(new Expect("deep-leaf-flip.vde", src, 4, fl, 1, 0, List.of("deep"), List.of(),
                "bit flipped in byte 100 of extent-tree leaf " + leaf.block + " (leaf " + (li + 1) + " of " + leaves.size()
                        + "): the file cannot be saved and is removed"));

        // the first internal node below the root: every leaf under it is lost
        Node internal = l.nodes.get(root.children[0]);
        if (internal.isLeaf()) {
            throw new IllegalStateException("deep.vde: the root's first child is a leaf");
        }
        TreeSet<Long> below = l.blocksBelow(internal.block);
        Node firstAfter = leaves.stream().filter(x -> !below.contains(x.block)).findFirst().orElseThrow();
        p = copy(src, "deep-internal-flip.vde");
        flip(p, internal.block, 100);
        List<String> fin = new ArrayList<>(List.of(f("bad-block", internal.block, ino), f("extent", -1, ino),
                f("sibling-link", firstAfter.block, ino)));
        for (long s : runStarts(below)) {
            fin.add(f("leaked", s));
        }
        expected.add(new Expect("deep-internal-flip.vde", src, 4, fin, 1, 0, List.of("deep"), List.of(),
                "bit flipped in byte 100 of the extent-tree internal node " + internal.block + " (level "
                        + internal.level + ", the root's first child, " + below.size() + " blocks below it): the file "
                        + "cannot be saved and is removed"));

        // a leaf's previous-sibling link cleared: every extent is still readable, the tree is rebuilt
        Node second = leaves.get(1);
        p = copy(src, "deep-sibling.vde");
        reseal(p, second.block, Tag.EXTN, sb.txid, b -> LE.i64(b, 24, 0));
        expected.add(new Expect("deep-sibling.vde", src, 4, List.of(f("sibling-link", second.block, ino)), 1, 0,
                List.of(), List.of(), "previous-sibling link of extent-tree leaf " + second.block + " (the second "
                        + "leaf) set to 0, trailer resealed: repair rebuilds the tree, nothing is lost"));
    }

    // ---- output ----

    private void writeTables() throws IOException, NoSuchAlgorithmException {
        if (only.isEmpty()) {
            try (var old = Files.newDirectoryStream(out, "*.vde.gz")) {
                for (Path p : old) {
                    Files.delete(p);
                }
            }
        }
        List<String> fixtures = new ArrayList<>();
        expected.forEach(e -> fixtures.add(e.fixture()));
        knownFailures.forEach(e -> fixtures.add(e.fixture()));
        if (!fixtures.containsAll(only)) {
            throw new IllegalArgumentException("no such fixture among " + only);
        }
        for (String name : fixtures) {
            if (!only.isEmpty() && !only.contains(name)) {
                continue;
            }
            try (InputStream in = Files.newInputStream(work.resolve(name));
                    OutputStream o = new GZIPOutputStream(Files.newOutputStream(out.resolve(name + ".gz")))) {
                in.transferTo(o);
            }
        }
        List<String> rows = new ArrayList<>(List.of(HEADER));
        expected.forEach(e -> rows.add(e.row()));
        Files.write(out.resolve("expected.tsv"), rows);
        List<String> known = new ArrayList<>(List.of(HEADER));
        knownFailures.forEach(e -> known.add(e.row()));
        Files.write(out.resolve("known-failures.tsv"), known);
        List<String> c = new ArrayList<>(List.of(CONTENTS_HEADER));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (var img : contents.entrySet()) {
            for (var file : img.getValue().entrySet()) {
                c.add(img.getKey() + "\t" + file.getKey() + "\t" + file.getValue().length + "\t"
                        + HexFormat.of().formatHex(sha.digest(file.getValue())) + "\t-");
            }
            for (var snap : snapshotContents.getOrDefault(img.getKey(), Map.of()).entrySet()) {
                for (var file : snap.getValue().entrySet()) {
                    c.add(img.getKey() + "\t" + file.getKey() + "\t" + file.getValue().length + "\t"
                            + HexFormat.of().formatHex(sha.digest(file.getValue())) + "\t" + snap.getKey());
                }
            }
        }
        Files.write(out.resolve("contents.tsv"), c);
        List<String> s = new ArrayList<>(List.of(SNAPSHOTS_HEADER));
        for (var img : snapshotLists.entrySet()) {
            for (SnapshotInfo x : img.getValue()) {
                s.add(String.join("\t", img.getKey(), Long.toString(x.id()), x.name(), Long.toString(x.txid()),
                        x.digest().toString(), Long.toString(x.fileCount()), Long.toString(x.bytes())));
            }
        }
        Files.write(out.resolve("snapshots.tsv"), s);
    }

    /** Gunzips fixture {@code name} from {@code testdata} into {@code dir}. */
    static Path gunzip(Path testdata, String name, Path dir) throws IOException {
        Path to = dir.resolve(name);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(testdata.resolve(name + ".gz")))) {
            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
        }
        return to;
    }
}
