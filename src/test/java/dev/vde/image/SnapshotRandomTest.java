package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.error.ConflictException;
import dev.vde.error.NoSpaceException;
import dev.vde.error.NotFoundException;
import dev.vde.inode.Inode;
import dev.vde.io.MemoryDevice;
import dev.vde.snapshot.Catalog;
import dev.vde.testutil.ImageModel;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random writes (partial overwrites inside shared extents, writes across shared and unshared
 * blocks, appends past holes, truncating writes), truncates, removes, renames, snapshot create,
 * delete and rollback, and writable and read-only reopens, against a model of the live files and
 * of every snapshot's files. After every step the whole image must equal the model (every
 * snapshot's bytes and digests, the snapshot list and each snapshot's record as it was created),
 * space must be exact, every ref count exact, and fsck clean.
 *
 * <p>Seeds are fixed so that CI runs the same cases every time; change them to explore (the
 * seed is printed, and every assertion names the seed and step).
 */
class SnapshotRandomTest {

    /** One run: the image, its model, and the snapshot records as created. */
    private static final class Run {
        final int bs;
        final long seed;
        final Random rnd;
        final MemoryDevice dev;
        final long maxFile;
        final int maxSnapshots;
        final List<String> snapshotNames = new ArrayList<>();
        final ImageModel model = new ImageModel();
        /** Every snapshot as {@link Image#createSnapshot} returned it: records never change afterwards. */
        final Map<String, SnapshotInfo> created = new LinkedHashMap<>();
        final TreeMap<String, Integer> ops = new TreeMap<>();
        Image img;
        int maxRefHeight;
        long maxFrozenExtents;
        int maxFrozenTreeHeight;
        long maxListPages;
        long maxFilesPages;
        long minFree = Long.MAX_VALUE;

        Run(int bs, long seed, long deviceBytes, long maxFile, int maxSnapshots) throws IOException {
            this.bs = bs;
            this.seed = seed;
            this.rnd = new Random(seed);
            this.dev = new MemoryDevice(bs, deviceBytes / bs);
            this.maxFile = maxFile;
            this.maxSnapshots = maxSnapshots;
            for (int i = 0; i < maxSnapshots + 2; i++) {
                snapshotNames.add(i == 1 ? "daily-ü" : "s" + i);
            }
            Image.format(dev, 0);
            img = Image.open(dev, true);
        }
    }

    /**
     * At 512 bytes a snapshot list page holds one record and a file-table page one file, so
     * every list and table is a chain; at 4096 up to 12 snapshots of up to 12 files take more
     * than one page each too. The 1024 run has a small image that fills up: a call that finds no
     * space must leave the image as it was.
     */
    @ParameterizedTest(name = "block size {0}, seed {1}, {2} steps, {3} KiB, {4} snapshots")
    @CsvSource({"512, 7001, 1200, 32768, 4", "4096, 7002, 400, 32768, 12", "1024, 7003, 800, 256, 4"})
    void randomOperationsWithSnapshotsMatchModel(int bs, long seed, int steps, int kib, int maxSnapshots)
            throws Exception {
        System.out.println("SnapshotRandomTest seed=" + seed + " blockSize=" + bs + " steps=" + steps);
        long t0 = System.nanoTime();
        long maxFile = (bs == 4096 ? 64L : 160L) * bs;
        Run r = new Run(bs, seed, kib * 1024L, maxFile, maxSnapshots);
        List<String> names = new ArrayList<>(List.of("ünï", "long-" + "x".repeat(200)));
        for (int i = 0; i < 10; i++) {
            names.add("f" + i);
        }
        try {
            for (int step = 0; step < steps; step++) {
                String what;
                try {
                    what = step == 0 ? snapshot(r, r.snapshotNames.get(0)) : step(r, names);
                } catch (NoSpaceException e) {
                    // The model changes only after the image did: the image must be as it was, and usable,
                    // or, when the log found no room at commit, as it was once reopened.
                    what = "nospace " + e.getMessage();
                    try {
                        r.img.info();
                    } catch (IllegalStateException broken) {
                        what = "nospace-at-commit " + e.getMessage();
                        r.img.close();
                        r.img = Image.open(r.dev, true);
                    }
                }
                r.ops.merge(what.split(" ")[0], 1, Integer::sum);
                verify(r, step, what);
            }
        } finally {
            r.img.close();
        }
        System.out.printf("SnapshotRandomTest seed=%d bs=%d: %s; ref-count tree height %d, largest frozen file"
                + " %d extents (tree height %d), list pages %d, file-table pages %d, fewest free blocks %d, %d ms%n",
                seed, bs, r.ops, r.maxRefHeight, r.maxFrozenExtents, r.maxFrozenTreeHeight, r.maxListPages,
                r.maxFilesPages, r.minFree, (System.nanoTime() - t0) / 1_000_000);
        for (String op : List.of("write", "truncate", "rm", "mv", "snapshot", "delete", "rollback", "reopen",
                "reopen-ro", "refused")) {
            assertThat(r.ops.getOrDefault(op, 0)).as("seed %d: operation %s ran", seed, op).isGreaterThan(2);
        }
        assertThat(r.maxFrozenExtents).as("seed %d: some snapshot file keeps its extents in a tree", seed)
                .isGreaterThan(4);
        assertThat(r.maxFrozenTreeHeight).as("seed %d: some snapshot file has an extent tree", seed)
                .isGreaterThanOrEqualTo(1);
        assertThat(r.maxListPages).as("seed %d: the snapshot list took several pages", seed).isGreaterThan(1);
        assertThat(r.maxFilesPages).as("seed %d: a file table took several pages", seed).isGreaterThan(1);
        if (kib < 4096) {
            assertThat(r.ops.getOrDefault("nospace", 0) + r.ops.getOrDefault("nospace-at-commit", 0))
                    .as("seed %d: the image filled up", seed).isGreaterThan(2);
        }
        if (bs == 512) {
            assertThat(r.maxRefHeight).as("seed %d: the ref-count table grew past one leaf", seed)
                    .isGreaterThanOrEqualTo(2);
        }
    }

    /** Performs one random operation on the image and the model; returns what it did. */
    private static String step(Run r, List<String> names) throws IOException {
        Random rnd = r.rnd;
        ImageModel m = r.model;
        String name = names.get(rnd.nextInt(names.size()));
        byte[] cur = m.live.files.get(name);
        int op = rnd.nextInt(100);
        if (op < 46 || cur == null && op < 62) {
            return write(r, name, cur == null ? 0 : cur.length);
        }
        if (op < 52) {
            long size = Math.min(r.maxFile, rnd.nextInt(cur.length + 2 * r.bs + 1));
            r.img.truncate(name, size);
            m.live.files.put(name, Arrays.copyOf(cur, (int) size));
            return "truncate " + name + " " + size;
        }
        if (op < 58) {
            r.img.remove(name);
            m.live.files.remove(name);
            return "rm " + name;
        }
        if (op < 62) {
            String to = names.get(rnd.nextInt(names.size()));
            r.img.rename(name, to, true);
            m.live.files.put(to, m.live.files.remove(name));
            return "mv " + name + " " + to;
        }
        List<String> existing = new ArrayList<>(m.snapshots.keySet());
        if (op < 72 && existing.size() < r.maxSnapshots) {
            List<String> free = new ArrayList<>(r.snapshotNames);
            free.removeAll(existing);
            return snapshot(r, free.get(rnd.nextInt(free.size())));
        }
        if (op < 78 && !existing.isEmpty()) {
            String s = existing.get(rnd.nextInt(existing.size()));
            r.img.deleteSnapshot(s);
            m.deleteSnapshot(s);
            r.created.remove(s);
            return "delete " + s;
        }
        if (op < 84 && !existing.isEmpty()) {
            String s = existing.get(rnd.nextInt(existing.size()));
            r.img.rollback(s);
            m.rollback(s);
            return "rollback " + s;
        }
        if (op < 89) {
            r.img.close();
            r.img = Image.open(r.dev, true);
            return "reopen";
        }
        if (op < 94) {
            // A reader sees the same state; the checks run on the read-only image, then a writer reopens.
            r.img.close();
            r.img = Image.open(r.dev, false);
            verify(r, -1, "reopen read-only");
            r.img.close();
            r.img = Image.open(r.dev, true);
            return "reopen-ro";
        }
        return refused(r, existing);
    }

    private static String snapshot(Run r, String s) throws IOException {
        SnapshotInfo info = r.img.createSnapshot(s);
        r.model.snapshot(s);
        r.created.put(s, info);
        return "snapshot " + s;
    }

    /** A write of one of several shapes, sized to stay under the largest file. */
    private static String write(Run r, String name, int size) throws IOException {
        Random rnd = r.rnd;
        int bs = r.bs;
        long off;
        int len;
        boolean trunc = false;
        String shape;
        switch (rnd.nextInt(6)) {
            case 0 -> { // partial overwrite inside the file: splits a (possibly shared) extent
                off = size == 0 ? 0 : rnd.nextInt(size);
                len = 1 + rnd.nextInt(Math.max(1, Math.min(size - (int) off, 3 * bs)));
                shape = "inside";
            }
            case 1 -> { // whole blocks inside
                off = size < bs ? 0 : (long) rnd.nextInt(size / bs) * bs;
                len = bs * (1 + rnd.nextInt(3));
                shape = "blocks";
            }
            case 2 -> { // across the end: part overwrite, part append
                off = Math.max(0, size - rnd.nextInt(2 * bs + 1));
                len = 1 + rnd.nextInt(4 * bs);
                shape = "across-end";
            }
            case 3 -> { // past a hole
                off = size + 1 + rnd.nextInt(3 * bs);
                len = 1 + rnd.nextInt(2 * bs);
                shape = "past-hole";
            }
            case 4 -> { // a large run somewhere in the file
                off = rnd.nextInt(size + 1);
                len = rnd.nextInt(40 * bs);
                shape = "large";
            }
            default -> { // truncating write: the size becomes off, then the data lands
                off = rnd.nextInt(size + bs + 1);
                len = rnd.nextInt(2 * bs);
                trunc = true;
                shape = "truncating";
            }
        }
        if (off > r.maxFile) {
            off = rnd.nextInt((int) r.maxFile);
        }
        len = (int) Math.min(len, r.maxFile - off);
        byte[] data = new byte[len];
        rnd.nextBytes(data);
        if (rnd.nextInt(6) == 0) {
            Arrays.fill(data, (byte) 0); // zero blocks add nothing to a digest: holes and zeros must agree
        }
        r.img.write(name, off, trunc, Channels.newChannel(new ByteArrayInputStream(data)));
        r.model.live.write(name, off, data, trunc);
        return "write " + name + " " + shape + " @" + off + " +" + len;
    }

    /** Snapshot calls that must fail and change nothing. */
    private static String refused(Run r, List<String> existing) {
        if (!existing.isEmpty() && r.rnd.nextBoolean()) {
            String s = existing.get(r.rnd.nextInt(existing.size()));
            assertThatThrownBy(() -> r.img.createSnapshot(s)).isInstanceOf(ConflictException.class);
            return "refused create " + s;
        }
        List<String> missing = new ArrayList<>(r.snapshotNames);
        missing.removeAll(existing);
        String s = missing.get(r.rnd.nextInt(missing.size()));
        if (r.rnd.nextBoolean()) {
            assertThatThrownBy(() -> r.img.deleteSnapshot(s)).isInstanceOf(NotFoundException.class);
            return "refused delete " + s;
        }
        assertThatThrownBy(() -> r.img.rollback(s)).isInstanceOf(NotFoundException.class);
        return "refused rollback " + s;
    }

    /** Everything the model says, and exact space, exact counts and a clean fsck. */
    private static void verify(Run r, int step, String what) throws IOException {
        String ctx = String.format("seed %d bs %d step %d after %s", r.seed, r.bs, step, what);
        Image img = r.img;
        assertThat(r.model.check(img, r.dev)).as(ctx).isNull();
        assertThat(img.snapshots()).as("snapshot records as created, %s", ctx)
                .containsExactlyElementsOf(r.created.values());
        r.maxRefHeight = Math.max(r.maxRefHeight, img.refCounts().tree().height());
        Catalog catalog = new Catalog(img.view());
        r.minFree = Math.min(r.minFree, img.info().freeBlocks());
        r.maxListPages = Math.max(r.maxListPages, img.view().catalog().listPages);
        for (SnapshotInfo s : img.snapshots()) {
            long extents = 0;
            long blocks = 0;
            for (Inode f : img.snapshotFiles(s.name())) {
                r.maxFrozenExtents = Math.max(r.maxFrozenExtents, f.extentCount);
                r.maxFrozenTreeHeight = Math.max(r.maxFrozenTreeHeight, f.treeHeight);
                extents += f.extentCount;
                blocks += f.allocatedBlocks;
            }
            assertThat(new long[] {s.extentCount(), s.dataBlocks()}).as("extents and blocks of %s, %s", s.name(), ctx)
                    .containsExactly(extents, blocks);
            r.maxFilesPages = Math.max(r.maxFilesPages, catalog.find(s.name()).filesPages);
        }
        // A random range of a random snapshot file (the partial-read path).
        List<String> snaps = new ArrayList<>(r.model.snapshots.keySet());
        if (!snaps.isEmpty()) {
            String s = snaps.get(r.rnd.nextInt(snaps.size()));
            Model sm = r.model.snapshots.get(s);
            if (!sm.files.isEmpty()) {
                List<String> files = new ArrayList<>(sm.files.keySet());
                String f = files.get(r.rnd.nextInt(files.size()));
                byte[] content = sm.files.get(f);
                int from = r.rnd.nextInt(content.length + 1);
                int to = from + r.rnd.nextInt(content.length - from + r.bs + 1);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                img.readRange(f, s, from, to, Channels.newChannel(out));
                assertThat(out.toByteArray()).as("%s of %s bytes [%d, %d), %s", f, s, from, to, ctx)
                        .isEqualTo(Arrays.copyOfRange(content, from, Math.min(to, content.length)));
            }
        }
        for (Map.Entry<String, Model> s : r.model.snapshots.entrySet()) {
            assertThat(img.snapshot(s.getKey()).digest()).as("digest of %s as created, %s", s.getKey(), ctx)
                    .isEqualTo(r.created.get(s.getKey()).digest());
        }
    }
}
