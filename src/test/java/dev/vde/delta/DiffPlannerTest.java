package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.inode.Extent;
import dev.vde.inode.Inode;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The plan from any snapshot to any later one (and from nothing), replayed onto a plain copy of
 * the base's files, gives exactly the later snapshot's files; shared ranges and unmodified files
 * are skipped, never shipped.
 */
class DiffPlannerTest {
    @ParameterizedTest(name = "seed {0}, block size {1}")
    @CsvSource({"31, 512", "32, 4096"})
    void replayingThePlanGivesTheTargetSnapshot(long seed, int bs) throws IOException {
        System.out.println("DiffPlannerTest seed=" + seed + " blockSize=" + bs);
        Random rnd = new Random(seed);
        MemoryDevice dev = new MemoryDevice(bs, 16384);
        Image.format(dev, 0);
        Model live = new Model();
        List<String> snaps = new ArrayList<>();
        Map<String, Model> frozen = new HashMap<>();
        long skippedBlocks = 0;
        long unchangedFiles = 0;
        try (Image img = Image.open(dev, true)) {
            for (int step = 0; step < 160; step++) {
                String name = "f" + rnd.nextInt(6);
                int op = rnd.nextInt(20);
                if (op < 11) {
                    long off = rnd.nextInt(12) * (long) bs + (rnd.nextBoolean() ? 0 : rnd.nextInt(bs));
                    byte[] data = new byte[1 + rnd.nextInt(3 * bs)];
                    rnd.nextBytes(data);
                    boolean truncate = rnd.nextInt(8) == 0;
                    img.write(name, off, truncate, Channels.newChannel(new ByteArrayInputStream(data)));
                    live.write(name, off, data, truncate);
                } else if (op < 13 && live.files.containsKey(name)) {
                    img.remove(name);
                    live.files.remove(name);
                } else if (op < 14 && live.files.containsKey(name)) {
                    String to = "r" + rnd.nextInt(4);
                    if (!live.files.containsKey(to)) {
                        img.rename(name, to, false);
                        live.files.put(to, live.files.remove(name));
                    }
                } else if (op < 15 && live.files.containsKey(name)) {
                    long size = rnd.nextInt(10 * bs);
                    img.truncate(name, size);
                    live.files.put(name, Arrays.copyOf(live.files.get(name), (int) size));
                } else if (op < 19) {
                    String s = "s" + step;
                    img.createSnapshot(s);
                    snaps.add(s);
                    frozen.put(s, live.copy());
                } else if (!snaps.isEmpty()) {
                    String s = snaps.get(rnd.nextInt(snaps.size()));
                    img.rollback(s);
                    live = frozen.get(s).copy();
                }
            }
            assertThat(snaps.size()).isGreaterThan(5);
            for (int j = 0; j < snaps.size(); j++) {
                String to = snaps.get(j);
                check(img, null, to, frozen.get(to), seed);
                for (int i = 0; i < j; i++) {
                    DiffStats st = check(img, snaps.get(i), to, frozen.get(to), seed);
                    skippedBlocks += st.blocksSkipped();
                    unchangedFiles += st.filesUnchanged();
                    if (i == j - 1 && frozen.get(snaps.get(i)).files.equals(frozen.get(to).files)) {
                        // nothing happened in between (no write or rollback): nothing to ship
                        assertThat(st.extentsShipped()).as("%s -> %s", snaps.get(i), to).isZero();
                    }
                }
            }
        }
        assertThat(skippedBlocks).as("shared ranges skipped").isPositive();
        assertThat(unchangedFiles).as("files skipped by txid").isPositive();
    }

    /** Plans {@code from -> to}, replays the plan on a copy of {@code from}'s files, compares with the model. */
    private static DiffStats check(Image img, String from, String to, Model expected, long seed) throws IOException {
        List<Inode> base = from == null ? List.of() : img.snapshotFiles(from);
        long baseTxid = from == null ? -1 : img.snapshot(from).txid();
        TreeMap<Long, String> names = new TreeMap<>();
        TreeMap<Long, byte[]> data = new TreeMap<>();
        for (Inode f : base) {
            names.put(f.number, f.name);
            data.put(f.number, Model.read(img, f.name, from));
        }
        Map<Long, String> targetNames = new HashMap<>();
        img.snapshotFiles(to).forEach(f -> targetNames.put(f.number, f.name));
        int bs = img.info().blockSize();
        DiffStats st = new DiffPlanner(img.view()).plan(base, baseTxid, img.snapshotFiles(to), new DiffVisitor() {
            @Override
            public void delete(long inode) {
                assertThat(names.remove(inode)).isNotNull();
                data.remove(inode);
            }

            @Override
            public void create(Inode file) {
                assertThat(names.put(file.number, file.name)).isNull();
                data.put(file.number, new byte[0]);
            }

            @Override
            public void rename(long inode, String name) {
                assertThat(names.put(inode, name)).isNotNull();
            }

            @Override
            public void size(long inode, long size) {
                data.put(inode, Arrays.copyOf(data.get(inode), (int) size));
            }

            @Override
            public void hole(long inode, long offset, long length) {
                assertThat(offset % bs).isZero();
                byte[] d = data.get(inode);
                assertThat(offset).as("holes lie below the size").isLessThan(d.length);
                Arrays.fill(d, (int) offset, (int) Math.min(d.length, offset + length), (byte) 0);
            }

            @Override
            public void extent(long inode, Extent piece) {
                byte[] d = data.get(inode);
                long end = Math.min(d.length, piece.end(bs));
                assertThat(piece.logical()).as("extents lie below the size").isLessThan(d.length);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try {
                    img.readRange(targetNames.get(inode), to, piece.logical(), end, Channels.newChannel(out));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                System.arraycopy(out.toByteArray(), 0, d, (int) piece.logical(), (int) (end - piece.logical()));
            }
        });
        Map<String, byte[]> got = new TreeMap<>();
        names.forEach((n, name) -> got.put(name, data.get(n)));
        assertThat(got.keySet()).as("seed %d: %s -> %s names", seed, from, to).isEqualTo(expected.files.keySet());
        for (String name : got.keySet()) {
            assertThat(got.get(name)).as("seed %d: %s -> %s file %s", seed, from, to, name)
                    .isEqualTo(expected.files.get(name));
        }
        return st;
    }
}
