package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.error.ConflictException;
import dev.vde.image.DeltaExport;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Fsck;
import dev.vde.testutil.ImageModel;
import dev.vde.testutil.Space;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Replication against a model: random writes, truncations, removes, renames (swaps included)
 * and snapshots on a source; each new snapshot goes to a replica as a delta (the first one
 * full, then incremental, now and then from an older common snapshot, which needs --force); and
 * from the replica on to a second replica, whose deltas the first one writes from snapshots it
 * received. After every apply, every snapshot of both replicas equals the source's, file by
 * file and byte by byte, with the same identity (uuid, name, txid) and digest; space and ref
 * counts are exact and fsck is clean on all three images.
 *
 * <p>The seed is printed and named in every assertion.
 */
class ReplicationModelTest {

    @ParameterizedTest(name = "seed {0}, block size {1}")
    @CsvSource({"9001, 512, 400", "9002, 4096, 300", "9003, 1024, 400"})
    void replicasEqualTheSourceSnapshotBySnapshot(long seed, int bs, int steps) throws Exception {
        System.out.printf("ReplicationModelTest seed=%d bs=%d steps=%d%n", seed, bs, steps);
        Random rnd = new Random(seed);
        MemoryDevice srcDev = device(bs);
        MemoryDevice repDev = device(bs);
        MemoryDevice hopDev = device(bs);
        ImageModel model = new ImageModel();
        List<String> onReplica = new ArrayList<>();
        List<String> onHop = new ArrayList<>();
        TreeMap<String, Integer> tally = new TreeMap<>();
        int snapshots = 0;
        long maxFile = 40L * bs + 17;
        try (Image src = Image.open(srcDev, true); Image rep = Image.open(repDev, true);
                Image hop = Image.open(hopDev, true)) {
            for (int step = 0; step < steps; step++) {
                String ctx = "seed=" + seed + " bs=" + bs + " step=" + step;
                mutate(src, model, rnd, maxFile, tally);
                if (rnd.nextInt(6) != 0) {
                    continue;
                }
                String name = "s" + (++snapshots);
                src.createSnapshot(name);
                model.snapshot(name);

                // source -> replica
                String base = onReplica.isEmpty() ? null : onReplica.get(onReplica.size() - 1);
                boolean force = false;
                if (onReplica.size() > 1 && rnd.nextInt(4) == 0) {
                    base = onReplica.get(rnd.nextInt(onReplica.size() - 1));
                    force = true;
                    tally.merge("apply --force from an older base", 1, Integer::sum);
                }
                if (base != null && !force && rnd.nextInt(5) == 0) {
                    // A local change on the replica: refused without --force, rolled back with it.
                    rep.write("local-" + step, 0, false, ch(bytes(rnd, 3 * bs)));
                    byte[] delta = delta(src, base, name);
                    assertThatThrownBy(() -> rep.apply(DeltaSource.of(delta, "d"), false, false))
                            .as(ctx).isInstanceOf(ConflictException.class).hasMessageContaining("changed since");
                    force = true;
                    tally.merge("apply --force over a local change", 1, Integer::sum);
                }
                byte[] delta = delta(src, base, name);
                ApplyReportCheck.apply(rep, delta, force);
                onReplica.add(name);
                tally.merge(base == null ? "full delta" : "incremental delta", 1, Integer::sum);
                check(ctx + " replica", src, rep, repDev, model, onReplica);

                // replica -> second replica, from the snapshots the replica received
                String hopBase = onHop.isEmpty() ? null : onHop.get(onHop.size() - 1);
                byte[] hopDelta = delta(rep, hopBase, name);
                ApplyReportCheck.apply(hop, hopDelta, false);
                onHop.add(name);
                check(ctx + " second replica", src, hop, hopDev, model, onHop);

                // Now and then the source drops an old snapshot (the replicas keep theirs).
                if (model.snapshots.size() > 4 && rnd.nextBoolean()) {
                    String old = model.snapshots.keySet().iterator().next();
                    src.deleteSnapshot(old);
                    model.deleteSnapshot(old);
                    onReplica.remove(old);
                    onHop.remove(old);
                }
            }
            assertThat(Fsck.check(srcDev)).as("seed=%d: fsck of the source", seed).isNull();
        }
        System.out.printf("ReplicationModelTest seed=%d: %d snapshots replicated; %s%n", seed, snapshots, tally);
        assertThat(tally.getOrDefault("incremental delta", 0)).as("incremental deltas").isGreaterThan(5);
        assertThat(tally.getOrDefault("full delta", 0)).as("full delta").isEqualTo(1);
        assertThat(tally).as("the forced paths and renames were exercised").containsKeys(
                "apply --force from an older base", "mv", "mv over an existing file", "rm", "truncate");
    }

    /** One random change of the source's live files. */
    private static void mutate(Image img, ImageModel m, Random rnd, long maxFile, TreeMap<String, Integer> tally)
            throws IOException {
        int bs = img.device().blockSize();
        List<String> names = new ArrayList<>(m.live.files.keySet());
        int op = rnd.nextInt(10);
        if (names.isEmpty() || op < 4) {
            String name = names.isEmpty() || rnd.nextInt(3) == 0 ? "f" + rnd.nextInt(40)
                    : names.get(rnd.nextInt(names.size()));
            long off = rnd.nextInt(4) == 0 ? rnd.nextInt(bs) : (long) rnd.nextInt((int) (maxFile / 2));
            byte[] data = bytes(rnd, 1 + rnd.nextInt(rnd.nextBoolean() ? bs * 3 : bs * 12));
            boolean truncate = rnd.nextInt(6) == 0;
            img.write(name, off, truncate, ch(data));
            m.live.write(name, off, data, truncate);
            tally.merge("write", 1, Integer::sum);
            return;
        }
        String name = names.get(rnd.nextInt(names.size()));
        switch (op) {
            case 4, 5 -> {
                byte[] cur = m.live.files.get(name);
                long size = rnd.nextBoolean() ? rnd.nextInt(cur.length + 1) : cur.length + rnd.nextInt(3 * bs);
                img.truncate(name, size);
                byte[] next = new byte[(int) size];
                System.arraycopy(cur, 0, next, 0, (int) Math.min(size, cur.length));
                m.live.files.put(name, next);
                tally.merge("truncate", 1, Integer::sum);
            }
            case 6 -> {
                img.remove(name);
                m.live.files.remove(name);
                tally.merge("rm", 1, Integer::sum);
            }
            case 7, 8 -> {
                String to = rnd.nextBoolean() && names.size() > 1 ? names.get(rnd.nextInt(names.size()))
                        : "r" + rnd.nextInt(40);
                if (to.equals(name)) {
                    return;
                }
                boolean over = m.live.files.containsKey(to);
                img.rename(name, to, true);
                m.live.files.put(to, m.live.files.remove(name));
                tally.merge(over ? "mv over an existing file" : "mv", 1, Integer::sum);
            }
            default -> {
                // A swap of two names through a third: the delta renames both.
                if (names.size() < 2) {
                    return;
                }
                String other = names.get(rnd.nextInt(names.size()));
                if (other.equals(name) || m.live.files.containsKey("swap")) {
                    return;
                }
                img.rename(name, "swap", false);
                img.rename(other, name, false);
                img.rename("swap", other, false);
                byte[] a = m.live.files.get(name);
                m.live.files.put(name, m.live.files.get(other));
                m.live.files.put(other, a);
                tally.merge("swap", 1, Integer::sum);
            }
        }
    }

    /** Every snapshot {@code names} of {@code replica} equals the source's, in content and identity. */
    private static void check(String ctx, Image src, Image replica, MemoryDevice dev, ImageModel model,
            List<String> names) throws IOException {
        for (String s : names) {
            assertThat(model.snapshots.get(s).diff(replica, s)).as("%s: snapshot %s", ctx, s).isNull();
            SnapshotInfo a = src.snapshot(s);
            SnapshotInfo b = replica.snapshot(s);
            assertThat(List.of(b.uuid(), b.name(), b.txid(), b.createdMillis(), b.digest(), b.fileCount(), b.bytes()))
                    .as("%s: identity of %s", ctx, s)
                    .isEqualTo(List.of(a.uuid(), a.name(), a.txid(), a.createdMillis(), a.digest(), a.fileCount(),
                            a.bytes()));
        }
        String last = names.get(names.size() - 1);
        assertThat(model.snapshots.get(last).diff(replica)).as("%s: live files equal %s", ctx, last).isNull();
        assertThat(Space.check(replica)).as("%s: space", ctx).isNull();
        assertThat(Space.checkCounts(replica)).as("%s: ref counts", ctx).isNull();
        assertThat(Fsck.check(dev)).as("%s: fsck", ctx).isNull();
    }

    static byte[] delta(Image img, String from, String to) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DeltaExport.write(img, from, to, Channels.newChannel(out));
        return out.toByteArray();
    }

    private static MemoryDevice device(int bs) throws IOException {
        MemoryDevice dev = new MemoryDevice(bs, (24L << 20) / bs);
        Image.format(dev, 0);
        return dev;
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static java.nio.channels.ReadableByteChannel ch(byte[] data) {
        return Channels.newChannel(new ByteArrayInputStream(data));
    }

    /** Applies a delta and checks what the report says against the image. */
    static final class ApplyReportCheck {
        static void apply(Image img, byte[] delta, boolean force) throws IOException {
            var dry = img.apply(DeltaSource.of(delta, "delta"), force, true);
            assertThat(dry.dryRun()).isTrue();
            var report = img.apply(DeltaSource.of(delta, "delta"), force, false);
            assertThat(report.stats()).as("a dry run reports what apply does").isEqualTo(dry.stats());
            assertThat(report.streamBytes()).isEqualTo(delta.length);
            assertThat(report.snapshot().digest()).isEqualTo(report.header().snapshot().digest());
        }
    }
}
