package dev.vde.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.btree.BTree;
import dev.vde.cli.Io;
import dev.vde.cli.Main;
import dev.vde.format.CatalogRoot;
import dev.vde.format.CorruptImageException;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.inode.Inode;
import dev.vde.snapshot.Catalog;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.wal.Journal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: damage every metadata block of a populated image in turn (one random byte each), then
 * several at once, and hold fsck and the read commands to their promises:
 *
 * <ol type="a">
 *   <li>{@code fsck} does not exit 0 and names the damaged block (a note is accepted where the
 *       damage is legitimately one, see {@link #noteAccepted}), prints no stack trace and ends
 *       within {@link #LIMIT};
 *   <li>the check leaves the image file byte for byte unchanged;
 *   <li>{@code ls}, {@code ls -l}, {@code info} and {@code cat} of every file either succeed with
 *       exactly the right output or fail with status 7 and one {@code vde: error:} line (a
 *       {@code cat} that fails part-way may have written a prefix of the right bytes, never a
 *       wrong byte);
 *   <li>{@code fsck --repair} exits 1 and a re-check exits 0; the files that survive the repair
 *       read back exactly, and no more files are gone than the repair names as removed.
 * </ol>
 *
 * <p>Three sweeps: every live metadata block alone; the newest superblock copy together with each
 * other block (the one damage that makes the log of the last transaction live again); and seeded
 * rounds of 2 to 5 blocks at once. Every flip is drawn from a seeded {@link Random}; the seed is
 * printed and is in every message. Run another one with {@code -Dvde.sweep.seed=N}. Findings that
 * are bugs in the code under test (not in this test) are listed, exactly, in {@link #KNOWN_GAPS}:
 * the sweep reports them but does not fail on them.
 */
class CorruptionSweepTest {
    private static final int BS = 512;
    private static final long SEED = Long.getLong("vde.sweep.seed", 20261122L);
    private static final Duration LIMIT = Duration.ofSeconds(20);
    /** Rounds of the multi-flip variant. */
    private static final int ROUNDS = 30;

    /**
     * Cases where the code under test is known to fall short, by exact key; empty now. Gap 1 (the
     * newest superblock copy and the log header damaged together made readers mix a stale
     * superblock with newer homes) was closed: a complete log behind an unreadable header is
     * replayed, blocks newer than the superblock are refused, and fsck reports the pair as damage.
     */
    private static final Set<String> KNOWN_GAPS = Set.of();

    private static final Pattern STACK_TRACE = Pattern.compile("(?m)^\\s+at [\\w.$]+\\(|Exception|java\\.lang\\.");

    @TempDir
    static Path dir;
    private static byte[] pristine;
    private static Superblock sb;
    /** Every file's name and content, by name. */
    private static final Map<String, byte[]> files = new TreeMap<>();
    /** Every snapshot's files and contents, by snapshot name. */
    private static final Map<String, Map<String, byte[]>> snapshots = new TreeMap<>();
    /** The live metadata blocks, in block order, with their type. */
    private static final Map<Long, String> metadata = new TreeMap<>();
    /** Home blocks of the last transaction, which the log still holds after its checkpoint. */
    private static Set<Long> loggedHomes;
    private static Path work;
    private static Run lsBase;
    private static Run lsLongBase;
    private static Run infoBase;

    private final List<String> problems = new ArrayList<>();
    private final List<String> gapsSeen = new ArrayList<>();

    record Run(int status, byte[] outBytes, String err) {
        String out() {
            return new String(outBytes, StandardCharsets.UTF_8);
        }
    }

    // ---- the image ----

    @BeforeAll
    static void build() throws Exception {
        Path img = dir.resolve("built.vde");
        Image.create(img, 6L << 20, BS, 0, false);
        Random rnd = new Random(SEED);
        try (Image i = Image.open(img, true)) {
            // A file with a hole of 1 MiB between two 1 MiB runs; its 4096 data blocks push the
            // later allocations past the first bitmap block (3968 blocks), so several are written.
            byte[] hole = new byte[3 << 20];
            rnd.nextBytes(hole);
            Arrays.fill(hole, 1 << 20, 2 << 20, (byte) 0);
            write(i, "hole", 0, hole, 0, 1 << 20);
            write(i, "hole", 2 << 20, hole, 2 << 20, 1 << 20);
            files.put("hole", hole);
            // Every other block, one transaction each: 40 extents, an extent tree of height 2.
            byte[] tree = new byte[79 * BS];
            rnd.nextBytes(tree);
            for (int k = 0; k < 40; k++) {
                write(i, "tree", 2L * k * BS, tree, 2 * k * BS, BS);
                if (k < 39) {
                    Arrays.fill(tree, (2 * k + 1) * BS, (2 * k + 2) * BS, (byte) 0);
                }
            }
            files.put("tree", tree);
            // Small inline files: with the others, 36 names, more than the 29 of one name leaf.
            for (int f = 0; f < 34; f++) {
                byte[] d = new byte[1 + rnd.nextInt(1500)];
                rnd.nextBytes(d);
                String name = String.format("small-%02d", f);
                write(i, name, 0, d, 0, d.length);
                files.put(name, d);
                if (f == 2) {
                    // Two snapshots while few files exist (a file-table page each at 512 bytes):
                    // frozen trees, list and file-table pages, and a ref-count table of shared runs.
                    snapshot(i, "s1");
                    byte[] again = new byte[BS];
                    rnd.nextBytes(again);
                    write(i, "tree", 0, again, 0, BS);
                    write(i, "hole", BS, again, 0, BS);
                    System.arraycopy(again, 0, tree, 0, BS);
                    System.arraycopy(again, 0, hole, BS, BS);
                    i.remove("small-01");
                    files.remove("small-01");
                    snapshot(i, "s2");
                }
            }
            write(i, "empty", 0, new byte[0], 0, 0);
            files.put("empty", new byte[0]);
        }
        try (Image i = Image.open(img, false)) {
            sb = i.superblock();
            assertThat(i.list()).extracting(FileInfo::name).containsExactlyElementsOf(files.keySet());
            assertThat(sb.nameHeight).as("name index levels").isGreaterThanOrEqualTo(2);
            assertThat(sb.bitmapHighWater).as("bitmap blocks written").isGreaterThanOrEqualTo(2);
            BTree t = i.extents("tree").tree();
            assertThat(t.height()).as("extent tree height").isGreaterThanOrEqualTo(2);
            // Superblocks: a commit writes copy txid mod 2, so the other copy is one commit older.
            metadata.put((long) Superblock.slotFor(sb.txid), "superblock (newest)");
            metadata.put((long) Superblock.slotFor(sb.txid + 1), "superblock (older)");
            // The log header. The log slots (descriptors and images of the last transaction) are
            // not live metadata: after the checkpoint the header's txid equals the superblock's,
            // so nothing reads them (open, the checker and replay skip an applied log) and a
            // damaged slot changes nothing. They matter again only if the newest superblock copy
            // is lost, which the multi-flip variant covers by damaging that copy together with
            // the homes the log would restore.
            metadata.put(sb.walStart, "WAL header");
            for (long p = 0; p < sb.bitmapHighWater; p++) {
                metadata.put(sb.bitmapStart + p, "bitmap");
            }
            for (long n = 1; n < sb.inodeHighWater; n += sb.inodesPerBlock()) {
                metadata.put(sb.inodeStart + (n - 1) / sb.inodesPerBlock(), "inode table");
            }
            i.nameTree().forEachNode(n -> metadata.put(n.block, "name index"));
            for (String name : files.keySet()) {
                BTree x = i.extents(name).tree();
                if (x != null) {
                    x.forEachNode(n -> metadata.put(n.block, "extent tree"));
                }
            }
            // The snapshots' structures: catalog root, list, file tables, frozen trees, ref counts.
            metadata.put(sb.catalogBlock, "snapshot catalog");
            Catalog catalog = new Catalog(i.view());
            CatalogRoot root = i.view().catalog();
            catalog.forEachPage(root.listHead, root.listPages, "list", Tag.SLST, b -> metadata.put(b, "snapshot list"));
            for (SnapshotRecord r : catalog.list()) {
                catalog.forEachPage(r.filesHead, r.filesPages, "files", Tag.SFIL,
                        b -> metadata.put(b, "snapshot file table"));
                for (Inode f : i.snapshotFiles(r.name)) {
                    BTree x = i.extents(f.name, r.name).tree();
                    if (x != null) {
                        x.forEachNode(n -> metadata.put(n.block, "snapshot extent tree"));
                    }
                }
            }
            i.refCounts().tree().forEachNode(n -> metadata.put(n.block, "ref-count table"));
            assertThat(i.refCounts().tree().height()).as("a ref-count table").isPositive();
            assertThat(metadata).containsValues("snapshot list", "snapshot file table", "snapshot extent tree");
        }
        try (Image.RawImage raw = Image.openRaw(img, false)) {
            Journal.Pending last = new Journal(raw.device, sb.walStart, sb.walBlocks).recover(sb.txid - 1);
            assertThat(last).as("the log still holds the last transaction").isNotNull();
            loggedHomes = Set.copyOf(last.homeToLog.keySet());
        }
        pristine = Files.readAllBytes(img);
        work = dir.resolve("work.vde");
        Files.write(work, pristine);
        assertThat(vde("fsck", work.toString()).status()).isZero();
        lsBase = vde("ls", work.toString());
        lsLongBase = vde("ls", "-l", work.toString());
        infoBase = vde("info", work.toString());
        for (Run r : List.of(lsBase, lsLongBase, infoBase)) {
            assertThat(r.status()).isZero();
        }
        assertThat(lsBase.out().lines()).containsExactlyElementsOf(files.keySet());
    }

    private static void snapshot(Image i, String name) throws Exception {
        i.createSnapshot(name);
        Map<String, byte[]> frozen = new TreeMap<>();
        files.forEach((k, v) -> frozen.put(k, v.clone()));
        snapshots.put(name, frozen);
    }

    private static void write(Image i, String name, long offset, byte[] b, int from, int len) throws Exception {
        i.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(b, from, len)));
    }

    private static Run vde(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out, err), args);
        return new Run(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** One command under the time limit; a hang or a throw becomes a problem and a null. */
    private Run timed(String id, String... args) {
        try {
            return assertTimeoutPreemptively(LIMIT, () -> vde(args));
        } catch (Throwable t) {
            problem(id, String.join(" ", args).replace(work.toString(), "IMAGE") + " hangs or throws", t.toString());
            return null;
        }
    }

    private void problem(String id, String check, String detail) {
        String key = id + " | " + check;
        if (KNOWN_GAPS.contains(key)) {
            gapsSeen.add(key);
        } else {
            problems.add(key + "\n      " + detail.replace("\n", "\n      "));
        }
    }

    private void expect(boolean ok, String id, String check, String detail) {
        if (!ok) {
            problem(id, check, detail);
        }
    }

    private static String type(long block) {
        return metadata.get(block);
    }

    // ---- the sweeps ----

    @Test
    void everyMetadataBlockDamagedAlone() throws Exception {
        long started = System.nanoTime();
        Map<String, Integer> perType = new TreeMap<>();
        List<String> repairOutcomes = new ArrayList<>();
        int[] lost = {0};
        for (Map.Entry<Long, String> m : metadata.entrySet()) {
            long block = m.getKey();
            Random rnd = new Random(mix(SEED, 1, block));
            byte[] damaged = pristine.clone();
            String flip = flip(damaged, block, rnd);
            perType.merge(m.getValue(), 1, Integer::sum);
            String id = "single:" + flip + " (seed " + SEED + ")";
            damageCase(id, damaged, Set.of(block), true, repairOutcomes, lost);
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("corruption sweep (seed %d): %d metadata blocks, one at a time, in %d ms: %s%n", SEED,
                metadata.size(), ms, perType);
        System.out.printf("  repair outcomes: %s; files removed by the repairs: %d%n", summarize(repairOutcomes),
                lost[0]);
        report();
    }

    /**
     * The newest superblock copy together with each other block (inode-table blocks sampled, see
     * {@link #pairSampled}), one pair at a time: with that copy
     * gone the older one is chosen and the log of the last transaction becomes live (see
     * {@link #noteAccepted}), so this is where the log, the overlay of its images and the older
     * copy are read at all. Damage to a home that the log holds is then masked by the log (and
     * repaired by replay); every other damaged block must still be named.
     */
    /**
     * Every block of the pair sweep but most inode-table blocks (alike, one file each, and all
     * swept alone): those the log holds and every sixth, to keep the run short.
     */
    private static boolean pairSampled(long block) {
        return !"inode table".equals(type(block)) || loggedHomes.contains(block) || (block - sb.inodeStart) % 6 == 0;
    }

    @Test
    void newestSuperblockCopyWithEachOtherBlock() throws Exception {
        long started = System.nanoTime();
        long newest = Superblock.slotFor(sb.txid);
        Map<String, Integer> perType = new TreeMap<>();
        List<String> repairOutcomes = new ArrayList<>();
        int[] lost = {0};
        int pairs = 0;
        int notes = 0;
        for (Map.Entry<Long, String> m : metadata.entrySet()) {
            long block = m.getKey();
            if (block == newest || !pairSampled(block)) {
                continue;
            }
            Random rnd = new Random(mix(SEED, 2, block));
            byte[] damaged = pristine.clone();
            String flips = flip(damaged, newest, rnd) + flip(damaged, block, rnd);
            perType.merge(m.getValue() + (loggedHomes.contains(block) ? " (in the log)" : ""), 1, Integer::sum);
            String id = "pair:" + flips + " (seed " + SEED + ")";
            if (damageCase(id, damaged, Set.of(newest, block), true, repairOutcomes, lost)) {
                notes++;
            }
            pairs++;
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("newest superblock copy + one other block (seed %d): %d pairs in %d ms: %s; "
                + "pairs that were only notes (restored by the pending log): %d%n", SEED, pairs, ms, perType, notes);
        System.out.printf("  repair outcomes: %s; files removed by the repairs: %d%n", summarize(repairOutcomes),
                lost[0]);
        report();
    }

    @Test
    void severalBlocksDamagedAtOnce() throws Exception {
        long started = System.nanoTime();
        Random rnd = new Random(SEED);
        List<Long> blocks = new ArrayList<>(metadata.keySet());
        Map<Integer, Integer> byK = new TreeMap<>();
        int notes = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int k = 2 + rnd.nextInt(4);
            byK.merge(k, 1, Integer::sum);
            // k distinct blocks, so that two flips never cancel out
            Set<Long> chosen = new TreeSet<>();
            while (chosen.size() < k) {
                chosen.add(blocks.get(rnd.nextInt(blocks.size())));
            }
            byte[] damaged = pristine.clone();
            StringBuilder flips = new StringBuilder();
            for (long block : chosen) {
                flips.append(flip(damaged, block, rnd));
            }
            String id = "multi: round " + round + ", " + k + " flips" + flips + " (seed " + SEED + ")";
            if (damageCase(id, damaged, chosen, false, null, null)) {
                notes++;
            }
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("multi-flip sweep (seed %d): %d rounds in %d ms, flips per round: %s; "
                + "rounds that were only notes (restored by the pending log): %d%n", SEED, ROUNDS, ms, byK, notes);
        report();
    }

    /**
     * A well-spread seed for one case (murmur3's finalizer): java.util.Random gives correlated
     * first values for neighbouring seeds, which would put every flip at about the same offset.
     */
    private static long mix(long seed, long sweep, long block) {
        long z = seed ^ (sweep * 0x9E3779B97F4A7C15L) ^ (block * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    /** XORs one random byte of {@code block} with a random non-zero value; says which. */
    private static String flip(byte[] image, long block, Random rnd) {
        int offset = rnd.nextInt(BS);
        int xor = 1 + rnd.nextInt(255);
        image[(int) (block * BS + offset)] ^= (byte) xor;
        return String.format(" [%s block %d offset %d xor 0x%02x]", type(block), block, offset, xor);
    }

    /**
     * One damaged image through (a) to (c), and with {@code repairOutcomes} also (d); returns true
     * if fsck legitimately reported only a note.
     */
    private boolean damageCase(String id, byte[] damaged, Set<Long> blocks, boolean nameEvery,
            List<String> repairOutcomes, int[] lost) throws Exception {
        Files.write(work, damaged);
        boolean note = checkFsck(id, damaged, blocks, nameEvery);
        checkReads(id);
        if (repairOutcomes == null) {
            return note;
        }
        // (d) repair, then a clean re-check; what survives reads back exactly.
        Run repair = timed(id, "fsck", work.toString(), "--repair");
        if (repair == null) {
            return note;
        }
        noStackTrace(id, "fsck --repair", repair);
        Run again = timed(id, "fsck", work.toString());
        String outcome = "repair " + repair.status() + ", re-check " + (again == null ? "-" : again.status());
        repairOutcomes.add(id + ": " + outcome);
        boolean noSuperblock = blocks.contains(0L) && blocks.contains(1L);
        if (noSuperblock && blocks.size() > 2 && repair.status() == 4) {
            // Both copies and more: the log, which holds the last commit's superblock, may be
            // among the damage. Then nothing is left to rebuild from, and fsck says so.
            expect(again != null && again.status() == 4, id, "fsck --repair without any superblock exits 4",
                    outcome);
            return note;
        }
        // With both copies lost the log's copy of the last commit's superblock is used: repair
        // rewrites both copies and every file survives.
        expect(repair.status() == 1, id, "fsck --repair exits 1", outcome + "\n" + repair.out() + repair.err());
        expect(again != null && again.status() == 0, id, "re-check after repair exits 0",
                outcome + "\n" + (again == null ? "" : again.out()));
        lost[0] += checkAfterRepair(id, repair);
        return note;
    }

    /**
     * Damage fsck may report as a note (exit 0): the newest superblock copy, and with it any home
     * block of the last transaction. After a clean checkpoint the log still holds that transaction
     * (header txid = superblock txid) until the next commit overwrites it; with the newest copy
     * unreadable, the older copy (txid - 1) is chosen, the log becomes a committed transaction not
     * yet home, and every reader sees its images in place of the home blocks. Replay (the next
     * writable open, or --repair) rewrites the copy and those homes, so nothing is lost: that is
     * Kind.SUPERBLOCK_PENDING. Any other damaged block, the WAL header or the other copy included,
     * must still be reported.
     */
    private static boolean noteAccepted(Set<Long> damaged) {
        long newest = Superblock.slotFor(sb.txid);
        if (!damaged.contains(newest)) {
            return false;
        }
        for (long b : damaged) {
            if (b != newest && !loggedHomes.contains(b)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A damaged home block that fsck and every reader see through the live log instead (the
     * newest superblock copy is damaged, the older copy and the log header are intact, and the
     * last transaction wrote this block): nothing reads it, replay rewrites it.
     */
    private static boolean masked(long block, Set<Long> damaged) {
        long newest = Superblock.slotFor(sb.txid);
        return damaged.contains(newest) && !damaged.contains(1 - newest) && !damaged.contains(sb.walStart)
                && loggedHomes.contains(block) && block != newest;
    }

    /**
     * (a) and (b); returns true if fsck legitimately reported only a note.
     *
     * @param nameEvery every damaged block must be named by a finding (the single-block sweep)
     */
    private boolean checkFsck(String id, byte[] damaged, Set<Long> blocks, boolean nameEvery) throws Exception {
        Run text = timed(id, "fsck", work.toString());
        Run json = timed(id, "fsck", work.toString(), "--json");
        expect(Arrays.equals(Files.readAllBytes(work), damaged), id, "fsck leaves the image unchanged", "");
        if (text == null || json == null) {
            return false;
        }
        noStackTrace(id, "fsck", text);
        noStackTrace(id, "fsck --json", json);
        boolean note = noteAccepted(blocks);
        long newest = Superblock.slotFor(sb.txid);
        if (text.status() == 8) {
            // the check cannot run: no superblock copy even gives the block size
            expect(blocks.contains(0L) && blocks.contains(1L), id, "fsck runs (status 8 only without any superblock)",
                    text.err());
            oneErrorLine(id, "fsck", text);
            return false;
        }
        if (note && text.status() == 0) {
            expect(text.out().contains("note: block " + newest + " (superblock)"), id,
                    "fsck notes the superblock copy that the pending log rewrites", text.out());
        } else {
            expect(text.status() == 4, id, "fsck exits 4", "status " + text.status() + "\n" + text.out() + text.err());
        }
        JsonNode doc;
        try {
            doc = new ObjectMapper().readTree(json.out());
        } catch (Exception e) {
            problem(id, "fsck --json prints JSON", e + "\n" + json.out());
            return false;
        }
        expect(json.status() == text.status() && doc.path("status").asInt(-1) == text.status(), id,
                "fsck --json agrees with fsck", json.status() + " / " + doc.path("status") + " / " + text.status());
        if (nameEvery) {
            for (long b : blocks) {
                if (masked(b, blocks)) {
                    continue;
                }
                boolean named = false;
                for (JsonNode f : doc.path("findings")) {
                    // a note names the newest copy only as the copy the pending log rewrites
                    boolean acceptable = !"note".equals(f.path("severity").asText())
                            || (b == newest && "superblock-pending".equals(f.path("kind").asText()));
                    named |= f.path("block").asLong() == b && acceptable;
                }
                expect(named, id, "fsck names block " + b, text.out());
                expect(text.out().contains("block " + b + " ("), id, "fsck's text names block " + b, text.out());
            }
        }
        return note && text.status() == 0;
    }

    /** (c) every read command: the right output, or status 7 and one error line. */
    private void checkReads(String id) {
        String image = work.toString();
        sameOrCorrupt(id, "ls", timed(id, "ls", image), lsBase.outBytes(), false);
        sameOrCorrupt(id, "ls -l", timed(id, "ls", "-l", image), lsLongBase.outBytes(), false);
        // A damaged snapshot catalog does not hide the rest: info says the catalog is unreadable.
        Run info = timed(id, "info", image);
        String unreadable = infoBase.out().replaceFirst("(?m)^snapshots: +\\d+$", "snapshots:      unreadable (run vde fsck)");
        boolean catalogUnreadable = info != null && info.status() == 0 && info.out().equals(unreadable)
                && !unreadable.equals(infoBase.out());
        sameOrCorrupt(id, "info", info, catalogUnreadable ? info.outBytes() : infoBase.outBytes(), false);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            sameOrCorrupt(id, "cat " + f.getKey(), timed(id, "cat", image, f.getKey()), f.getValue(), true);
        }
        checkSnapshotReads(id);
    }

    /**
     * The snapshots through the API (one open): every snapshot lists and reads back exactly, or
     * the read fails as corrupt; never another failure, never wrong data.
     */
    private void checkSnapshotReads(String id) {
        try {
            assertTimeoutPreemptively(LIMIT, () -> {
                try (Image i = Image.open(work, false)) {
                    for (Map.Entry<String, Map<String, byte[]>> s : snapshots.entrySet()) {
                        try {
                            Set<String> names = new TreeSet<>();
                            i.list(s.getKey()).forEach(f -> names.add(f.name()));
                            expect(names.equals(s.getValue().keySet()), id, "snapshot " + s.getKey() + " lists its files",
                                    names.toString());
                            for (Map.Entry<String, byte[]> f : s.getValue().entrySet()) {
                                ByteArrayOutputStream out = new ByteArrayOutputStream();
                                i.cat(f.getKey(), s.getKey(), Channels.newChannel(out));
                                expect(Arrays.equals(out.toByteArray(), f.getValue()), id, "snapshot " + s.getKey()
                                        + " file " + f.getKey() + " reads back exactly", out.size() + " bytes");
                            }
                        } catch (CorruptImageException e) {
                            // detected damage: the read fails as it should
                        }
                    }
                } catch (CorruptImageException e) {
                    // the image does not open: ls and info say so with status 7
                }
            });
        } catch (Throwable t) {
            problem(id, "snapshot reads fail only as corrupt", t.toString());
        }
    }

    private void sameOrCorrupt(String id, String command, Run r, byte[] expected, boolean prefixOnError) {
        if (r == null) {
            return;
        }
        noStackTrace(id, command, r);
        if (r.status() == 0) {
            expect(Arrays.equals(r.outBytes(), expected), id, command + " returns the right data",
                    "status 0 with " + r.outBytes().length + " bytes, expected " + expected.length
                            + (prefixOnError ? "" : ":\n" + r.out()));
            expect(r.err().isEmpty(), id, command + " is quiet on success", r.err());
            return;
        }
        expect(r.status() == 7, id, command + " fails with status 7", "status " + r.status() + ": " + r.err());
        oneErrorLine(id, command, r);
        boolean prefix = prefixOnError && r.outBytes().length <= expected.length
                && Arrays.equals(r.outBytes(), Arrays.copyOf(expected, r.outBytes().length));
        expect(r.outBytes().length == 0 || prefix, id, command + " writes no wrong data before failing",
                r.outBytes().length + " bytes written");
    }

    private void oneErrorLine(String id, String command, Run r) {
        expect(r.err().startsWith("vde: error: ") && r.err().lines().count() == 1, id,
                command + " fails with one 'vde: error:' line", r.err());
    }

    private void noStackTrace(String id, String command, Run r) {
        expect(!STACK_TRACE.matcher(r.out()).find() && !STACK_TRACE.matcher(r.err()).find(), id,
                command + " prints no stack trace", r.err() + r.out());
    }

    /**
     * (d), after the repair, through the API (one open for all files): the files left read back
     * exactly, no file is invented, and no more files are gone than the repair names as removed.
     * Returns how many are gone.
     */
    private int checkAfterRepair(String id, Run repair) {
        try {
            return assertTimeoutPreemptively(LIMIT, () -> {
                int gone = 0;
                try (Image i = Image.open(work, false)) {
                    Set<String> left = new HashSet<>();
                    i.list().forEach(f -> left.add(f.name()));
                    expect(files.keySet().containsAll(left), id, "repair invents no file", left.toString());
                    for (Map.Entry<String, byte[]> f : files.entrySet()) {
                        if (!left.contains(f.getKey())) {
                            gone++;
                            continue;
                        }
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        i.cat(f.getKey(), Channels.newChannel(out));
                        expect(Arrays.equals(out.toByteArray(), f.getValue()), id,
                                "'" + f.getKey() + "' reads back exactly after repair", out.size() + " bytes");
                    }
                }
                long removed = repair.out().lines().filter(l -> l.startsWith("removed inode ")).count();
                expect(gone <= removed, id, "repair names every file it removes", gone + " files gone, " + removed
                        + " named:\n" + repair.out());
                checkSnapshotsAfterRepair(id, repair);
                return gone;
            });
        } catch (Throwable t) {
            problem(id, "the image reads after repair", t.toString());
            return 0;
        }
    }

    /**
     * The snapshots that survive a repair read back exactly, and every one that is gone is named:
     * by name, or as part of the snapshots that could not be listed at all.
     */
    private void checkSnapshotsAfterRepair(String id, Run repair) throws Exception {
        try (Image i = Image.open(work, false)) {
            Set<String> left = new TreeSet<>();
            i.snapshots().forEach(x -> left.add(x.name()));
            expect(snapshots.keySet().containsAll(left), id, "repair invents no snapshot", left.toString());
            boolean unnamedLoss = repair.out().lines().anyMatch(l -> l.startsWith("removed every snapshot")
                    || l.startsWith("removed the snapshots"));
            for (Map.Entry<String, Map<String, byte[]>> s : snapshots.entrySet()) {
                if (!left.contains(s.getKey())) {
                    expect(unnamedLoss || repair.out().contains("removed snapshot '" + s.getKey() + "'"), id,
                            "repair names snapshot " + s.getKey() + " as removed", repair.out());
                    continue;
                }
                for (Map.Entry<String, byte[]> f : s.getValue().entrySet()) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    i.cat(f.getKey(), s.getKey(), Channels.newChannel(out));
                    expect(Arrays.equals(out.toByteArray(), f.getValue()), id, "snapshot " + s.getKey() + " file "
                            + f.getKey() + " reads back exactly after repair", out.size() + " bytes");
                }
                expect(i.list(s.getKey()).size() == s.getValue().size(), id, "snapshot " + s.getKey()
                        + " keeps its files", i.list(s.getKey()).toString());
            }
        }
    }

    private static String summarize(List<String> outcomes) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String o : outcomes) {
            counts.merge(o.substring(o.lastIndexOf(": ") + 2), 1, Integer::sum);
        }
        return counts.toString();
    }

    private void report() {
        for (String g : gapsSeen) {
            System.out.println("  KNOWN GAP (not failing the suite): " + g);
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " problems (seed " + SEED + "; exact cases not in KNOWN_GAPS):\n  "
                    + String.join("\n  ", problems));
        }
    }
}
