package dev.vde.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaReader;
import dev.vde.delta.DeltaRecord;
import dev.vde.delta.DeltaSource;
import dev.vde.delta.RecordType;
import dev.vde.delta.SnapshotId;
import dev.vde.format.Superblock;
import dev.vde.image.ApplyReport;
import dev.vde.image.DeltaExport;
import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.CrashingDevice;
import dev.vde.testutil.CrashingDevice.Mode;
import dev.vde.testutil.CrashingDevice.SimulatedCrash;
import dev.vde.testutil.Fsck;
import dev.vde.testutil.ImageModel;
import dev.vde.testutil.Model;
import dev.vde.testutil.Space;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every mutating command is atomic: cut the device at every write point of the command, let the
 * unsynced writes survive in every way {@link Mode} describes, and the image must open (replaying
 * the log, or overlaying it for a reader) to exactly the state before or exactly the state after
 * the command, with a matching free block count, and stay usable. The state is the live files
 * and every snapshot's files (bytes and digests) and the snapshot list; space and ref counts
 * must be exact and fsck clean, in either state.
 */
class CrashLoopTest {
    private static final long SEED = 0xC0FFEE;

    @FunctionalInterface
    interface Op {
        void run(Image img) throws IOException;
    }

    /** A check of the image beyond its model: null if it holds, else the problem. */
    @FunctionalInterface
    interface Check {
        String problem(Image img) throws IOException;
    }

    /**
     * A command, how it changes the model, whether its log must spill out of the WAL region, and
     * what else must hold of the after-state (null: nothing), checked wherever the after-state is
     * recognized: the clean run, the writer's and the reader's opens, and after a cut replay.
     */
    record Command(String name, Op op, Consumer<ImageModel> effect, boolean mustSpill, Check afterCheck) {
        Command(String name, Op op, Consumer<ImageModel> effect, boolean mustSpill) {
            this(name, op, effect, mustSpill, null);
        }
    }

    /** The starting image. */
    record Start(MemoryDevice medium, ImageModel model, long freeBlocks) {
    }

    private enum State { BEFORE, AFTER }

    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void everyCommandIsAtomicAtEveryWritePoint(int bs) throws Exception {
        long t0 = System.nanoTime();
        int holes = bs == 512 ? 60 : 200;
        int bigBlocks = bs == 512 ? 50 : 180;
        Start start = build(bs, holes);
        Random data = new Random(SEED + bs);

        List<Command> commands = new ArrayList<>();
        byte[] overwrite = bytes(data, 3 * bs);
        commands.add(new Command("write a (overwrite part + extend)",
                img -> img.write("a", 2L * bs + 50, false, ch(overwrite)),
                m -> m.live.write("a", 2L * bs + 50, overwrite, false), false));
        byte[] fresh = bytes(data, 6 * bs + 123);
        commands.add(new Command("write new (create, several blocks)",
                img -> img.write("new", 0, false, ch(fresh)),
                m -> m.live.write("new", 0, fresh, false), false));
        byte[] trunc = bytes(data, 2 * bs);
        commands.add(new Command("write b --truncate",
                img -> img.write("b", bs + 10, true, ch(trunc)),
                m -> m.live.write("b", bs + 10, trunc, true), false));
        byte[] big = bytes(data, bigBlocks * bs + 1);
        commands.add(new Command("write big (log spills out of the WAL region)",
                img -> img.write("big", 0, false, ch(big)),
                m -> m.live.write("big", 0, big, false), true));
        commands.add(new Command("rm frag (file with an extent tree)",
                img -> img.remove("frag"),
                m -> m.live.files.remove("frag"), false));
        commands.add(new Command("mv --force a b (replaces b)",
                img -> img.rename("a", "b", true),
                m -> m.live.files.put("b", m.live.files.remove("a")), false));
        long cut = (long) holes * bs + 77;
        commands.add(new Command("truncate frag (shrink a tree)",
                img -> img.truncate("frag", cut),
                m -> m.live.files.put("frag", Arrays.copyOf(m.live.files.get("frag"), (int) cut)), false));
        runAll(bs, start, commands, 0, t0);
    }

    /**
     * The snapshot commands, and changes of files a snapshot holds, on an image with a snapshot
     * s1 of a, b and frag (an extent tree), after which a was partly overwritten and c written:
     * after recovery the live files, the snapshot list and every snapshot's files (bytes and
     * digests) are exactly those of the state before or after, space and ref counts are exact
     * and fsck is clean.
     */
    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void everySnapshotCommandIsAtomicAtEveryWritePoint(int bs) throws Exception {
        long t0 = System.nanoTime();
        Start start = withSnapshot(build(bs, bs == 512 ? 30 : 40));
        Random data = new Random(SEED - bs);

        List<Command> commands = new ArrayList<>();
        commands.add(new Command("snapshot create s2 (a second snapshot)",
                img -> img.createSnapshot("s2"),
                m -> m.snapshot("s2"), false));
        commands.add(new Command("snapshot delete s1",
                img -> img.deleteSnapshot("s1"),
                m -> m.deleteSnapshot("s1"), false));
        commands.add(new Command("rollback s1",
                img -> img.rollback("s1"),
                m -> m.rollback("s1"), false));
        byte[] cow = bytes(data, 5 * bs);
        commands.add(new Command("write frag (copy-on-write in a shared tree)",
                img -> img.write("frag", 3L * bs + 100, false, ch(cow)),
                m -> m.live.write("frag", 3L * bs + 100, cow, false), false));
        byte[] across = bytes(data, 3 * bs);
        commands.add(new Command("write a (across shared and unshared blocks)",
                img -> img.write("a", 50, false, ch(across)),
                m -> m.live.write("a", 50, across, false), false));
        commands.add(new Command("rm frag (held by s1)",
                img -> img.remove("frag"),
                m -> m.live.files.remove("frag"), false));
        runAll(bs, start, commands, 100, t0);
    }

    /**
     * apply (issue 5) verifies a delta, then replays it in one transaction that also creates the
     * delta's snapshot: after a crash at any write the target holds exactly its state before, or
     * the delta's snapshot, with the source's identity (uuid, name, txid, time, digest, counts),
     * and live files equal to it; never a mix. Four starts: an incremental delta with --force over
     * live files changed since the base (the delta moves, removes, resizes, punches and writes),
     * one without --force onto live files equal to the base, and a full delta (a file with an
     * extent tree among others) onto a freshly formatted image and, with --force, onto an image
     * whose files it replaces.
     */
    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void applyIsAtomicAtEveryWritePoint(int bs) throws Exception {
        long t0 = System.nanoTime();
        int holes = bs == 512 ? 40 : 12;
        List<String> failures = new ArrayList<>();
        long total = 0;

        // 1. --force: since s1 the target's a was partly overwritten and c written; the source
        // goes further.
        Start changed = withSnapshot(build(bs, holes));
        long fragSize = changed.model().live.files.get("frag").length;
        Delta forced = delta(changed, "s1", "s2", (img, m) -> {
            Random rnd = new Random(SEED + 31L * bs);
            img.rename("a", "a2", false);
            m.live.files.put("a2", m.live.files.remove("a"));
            img.remove("b");
            m.live.files.remove("b");
            truncate(img, m, "frag", (long) holes * bs + 77);
            truncate(img, m, "frag", fragSize + bs / 2);
            write(img, m, "frag", 3L * bs + 100, bytes(rnd, 2 * bs), false);
            write(img, m, "c", bs - 1, bytes(rnd, bs + 2), false);
            write(img, m, "d", 0, bytes(rnd, 3 * bs + 5), false);
        });
        assertThat(forced.types()).as("bs=%d: the records of the forced delta", bs).containsAll(EnumSet.of(
                RecordType.FILE, RecordType.MOVE, RecordType.SIZE, RecordType.HOLE, RecordType.DATA, RecordType.DELE));
        total += runCommands(bs, changed, List.of(applyCommand(
                "apply --force s1->s2 (live changed since s1)", forced, true, true)), 200, failures);

        // 2. No --force: the live files are those of s1.
        Start clean = snapshotOnly(build(bs, holes));
        Delta plain = delta(clean, "s1", "s2", (img, m) -> {
            Random rnd = new Random(SEED + 37L * bs);
            write(img, m, "a", bs + 10, bytes(rnd, bs), false);
            truncate(img, m, "b", 2L * bs + 1);
            img.rename("b", "b2", false);
            m.live.files.put("b2", m.live.files.remove("b"));
            img.remove("frag");
            m.live.files.remove("frag");
            write(img, m, "e", 0, bytes(rnd, 4 * bs + 9), false);
        });
        assertThat(plain.types()).as("bs=%d: the records of the plain delta", bs).containsAll(EnumSet.of(
                RecordType.FILE, RecordType.MOVE, RecordType.SIZE, RecordType.DATA, RecordType.DELE));
        total += runCommands(bs, clean, List.of(applyCommand(
                "apply s1->s2 (live equal to s1)", plain, false, false)), 210, failures);

        // 3. A full delta onto a new image, and 4. with --force onto one with other files.
        Delta full = delta(build(bs, holes), null, "f1", (img, m) -> {
            Random rnd = new Random(SEED + 41L * bs);
            write(img, m, "b", 2L * bs, bytes(rnd, bs), false);
            write(img, m, "g", 0, bytes(rnd, 2 * bs + 1), false);
            if (bs == 512) {
                assertThat(img.extents("frag").tree().height()).as("frag's extent tree has two levels")
                        .isGreaterThan(1);
            }
        });
        total += runCommands(bs, formatted(bs), List.of(applyCommand(
                "apply full f1 (onto a new image)", full, false, false)), 220, failures);
        Start other = build(bs, holes / 2);
        total += runCommands(bs, other, List.of(applyCommand(
                "apply --force full f1 (replaces the files)", full, true, true)), 230, failures);
        report(bs, total, t0, failures);
    }

    /** An image edit, made on the image and on its model alike. */
    @FunctionalInterface
    interface Edit {
        void run(Image img, ImageModel m) throws IOException;
    }

    /**
     * A delta, the content of its snapshot and the record types it holds.
     *
     * @param content the files of the snapshot the delta leads to
     */
    record Delta(byte[] bytes, DeltaHeader header, Model content, Set<RecordType> types) {
    }

    /**
     * The delta from {@code from} (null: a full delta) to {@code to}, written by a copy of
     * {@code start} after {@code edit} and a snapshot {@code to}; the start is left as it was.
     */
    private static Delta delta(Start start, String from, String to, Edit edit) throws IOException {
        ImageModel m = start.model().copy();
        try (Image img = Image.open(start.medium().copy(), true)) {
            edit.run(img, m);
            img.createSnapshot(to);
            m.snapshot(to);
            assertThat(m.diff(img)).as("the delta's source").isNull();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DeltaExport.Result r = DeltaExport.write(img, from, to, Channels.newChannel(out));
            assertThat(r.header().snapshot()).as("the header's snapshot").isEqualTo(DeltaExport.id(img.snapshot(to)));
            byte[] b = out.toByteArray();
            Set<RecordType> types = EnumSet.noneOf(RecordType.class);
            DeltaReader reader = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(b)), "d");
            for (DeltaRecord rec = reader.next(); rec != null; rec = reader.next()) {
                types.add(rec.type());
            }
            System.out.printf("CrashLoopTest bs=%d delta %s->%s: %d bytes, %d records, %s%n", img.device().blockSize(),
                    from, to, b.length, r.records(), types);
            return new Delta(b, r.header(), m.snapshots.get(to).copy(), types);
        }
    }

    /**
     * {@code img.apply(delta, force)}: afterwards the live files and the new snapshot are the
     * delta's content, and the snapshot has the identity the delta's header gives it.
     *
     * @param forced whether apply must report that it first rolled back (or removed) the live files
     */
    private static Command applyCommand(String name, Delta d, boolean force, boolean forced) {
        SnapshotId want = d.header().snapshot();
        return new Command(name,
                img -> {
                    ApplyReport r = img.apply(DeltaSource.of(d.bytes(), "d"), force, false);
                    assertThat(r.forced()).as("%s: forced", name).isEqualTo(forced);
                    assertThat(DeltaExport.id(r.snapshot())).as("%s: the reported snapshot", name).isEqualTo(want);
                },
                m -> {
                    m.live = d.content().copy();
                    m.snapshot(want.name());
                },
                false,
                img -> {
                    SnapshotId got = DeltaExport.id(img.snapshot(want.name()));
                    return got.equals(want) ? null
                            : "snapshot " + want.name() + " has the identity " + got + ", the delta's header " + want;
                });
    }

    /**
     * Cuts every command at every write point and sync, in every mode, and recovers; fails
     * listing the first cases that were not atomic.
     */
    private void runAll(int bs, Start start, List<Command> commands, int seedBase, long t0) throws IOException {
        List<String> failures = new ArrayList<>();
        long total = runCommands(bs, start, commands, seedBase, failures);
        report(bs, total, t0, failures);
    }

    /**
     * Cuts every command at every write point and sync, in every mode, and recovers, adding the
     * cases that were not atomic to {@code failures}; returns the number of cases run.
     */
    private long runCommands(int bs, Start start, List<Command> commands, int seedBase, List<String> failures)
            throws IOException {
        long total = 0;
        for (int i = 0; i < commands.size(); i++) {
            int ci = seedBase + i;
            Command c = commands.get(i);
            long tc = System.nanoTime();
            ImageModel after = start.model().copy();
            c.effect().accept(after);

            // Clean run: count the write points and record the after-state's free count.
            CrashingDevice clean = CrashingDevice.counting(start.medium().copy());
            long freeAfter;
            boolean spilled;
            try (Image img = Image.open(clean, true)) {
                c.op().run(img);
                assertThat(after.diff(img)).as("bs=%d %s: clean run", bs, c.name()).isNull();
                assertThat(c.afterCheck() == null ? null : c.afterCheck().problem(img))
                        .as("bs=%d %s: clean run, after-state", bs, c.name()).isNull();
                assertThat(Space.check(img)).as("bs=%d %s: clean run, space", bs, c.name()).isNull();
                assertThat(Space.checkCounts(img)).as("bs=%d %s: clean run, ref counts", bs, c.name()).isNull();
                freeAfter = img.info().freeBlocks();
                spilled = spilled(clean, img.superblock());
            }
            assertThat(Fsck.check(clean)).as("bs=%d %s: clean run, fsck", bs, c.name()).isNull();
            long w = clean.writePoints();
            if (c.mustSpill()) {
                assertThat(spilled).as("bs=%d %s: the log must spill into scratch blocks", bs, c.name()).isTrue();
            }
            int cases = 0;
            Arrays.fill(tally, 0);
            // Crash points 0..w: cut before write n, or in the sync following it; w + 1 runs to the end.
            for (long n = 0; n <= w + 1; n++) {
                for (Mode mode : Mode.values()) {
                    long seed = SEED ^ (bs * 1_000_003L) ^ (ci * 7_919L << 32) ^ (n * 31 + mode.ordinal());
                    String ctx = String.format("bs=%d cmd='%s' crashAt=%d/%d mode=%s seed=%d", bs, c.name(), n, w,
                            mode, seed);
                    try {
                        crashAndCheck(c, start, after, freeAfter, n, w, mode, seed, ctx);
                    } catch (Throwable e) {
                        failures.add(ctx + ": " + describe(e));
                    }
                    cases++;
                }
            }
            total += cases;
            System.out.printf("CrashLoopTest bs=%d %-45s writes=%4d crash points=%4d (+ clean end) cases=%5d"
                    + " (before=%d after=%d) replay crashes=%d spilled=%s %5d ms%n", bs, c.name(), w, w + 1, cases,
                    tally[0], tally[1], tally[2], spilled, (System.nanoTime() - tc) / 1_000_000);
            total += tally[2];
        }
        return total;
    }

    /** Prints the totals of a test and fails listing the first cases that were not atomic. */
    private static void report(int bs, long total, long t0, List<String> failures) {
        System.out.printf("CrashLoopTest bs=%d: %d cases in %d ms, %d failures%n", bs, total,
                (System.nanoTime() - t0) / 1_000_000, failures.size());
        assertThat(failures).as("crash cases that were not atomic (first 15):%n%s",
                String.join("\n", failures.subList(0, Math.min(15, failures.size())))).isEmpty();
    }

    /** Outcomes of the current command: recovered to before, to after, crashes cut into replay. */
    private final long[] tally = new long[3];

    private void crashAndCheck(Command c, Start start, ImageModel after, long freeAfter, long n, long w, Mode mode,
            long seed, String ctx) throws IOException {
        CrashingDevice dev = new CrashingDevice(start.medium().copy(), n);
        boolean crashed = false;
        try {
            Image img = Image.open(dev, true);
            c.op().run(img);
        } catch (SimulatedCrash e) {
            crashed = true;
        }
        assertThat(crashed).as("%s: crashed", ctx).isEqualTo(n <= w);
        MemoryDevice recovered = dev.recover(mode, new Random(seed));
        MemoryDevice untouched = recovered.copy();

        // A writer replays the log.
        State state;
        try (Image img = Image.open(recovered, true)) {
            state = classify(img, c, start.model(), after, ctx);
            tally[state.ordinal()]++;
            ImageModel expected = state == State.BEFORE ? start.model().copy() : after.copy();
            long free = img.info().freeBlocks();
            assertThat(free).as("%s: free blocks in state %s", ctx, state)
                    .isEqualTo(state == State.BEFORE ? start.freeBlocks() : freeAfter);
            assertThat(Space.check(img)).as("%s: space in state %s", ctx, state).isNull();
            assertThat(Space.checkCounts(img)).as("%s: ref counts in state %s", ctx, state).isNull();
            // ... and the image stays usable.
            byte[] more = bytes(new Random(seed), 2 * start.medium().blockSize() + 5);
            img.write("post", 0, true, ch(more));
            expected.live.write("post", 0, more, true);
            assertThat(expected.diff(img)).as("%s: after a further write", ctx).isNull();
        }

        // fsck sees the crashed image (its log applied in memory) as clean, without writing.
        CrashingDevice fsckGuard = new CrashingDevice(untouched.copy(), 0);
        assertThat(Fsck.check(fsckGuard)).as("%s: fsck of the crashed image", ctx).isNull();

        // A reader must see the same state without writing (any write would hit the crash point 0).
        CrashingDevice guard = new CrashingDevice(untouched, 0);
        try (Image ro = Image.open(guard, false)) {
            State roState = classify(ro, c, start.model(), after, ctx + " (read-only)");
            assertThat(roState).as("%s: read-only open sees another state than the writer", ctx).isEqualTo(state);
            assertThat(ro.info().freeBlocks()).as("%s: read-only free blocks", ctx)
                    .isEqualTo(state == State.BEFORE ? start.freeBlocks() : freeAfter);
            assertThat(Space.check(ro)).as("%s: read-only space", ctx).isNull();
        } catch (SimulatedCrash e) {
            throw new AssertionError(ctx + ": read-only open wrote to the device", e);
        }

        if (mode == Mode.KEEP_ALL) {
            crashDuringReplay(c, untouched, start, after, freeAfter, seed, ctx);
        }
    }

    /**
     * Recovery is itself a sequence of writes: cut the replay of a committed log at each of its
     * write points; the next open must still end in the after-state.
     */
    private void crashDuringReplay(Command c, MemoryDevice recovered, Start start, ImageModel after, long freeAfter,
            long seed, String ctx) throws IOException {
        CrashingDevice probe = CrashingDevice.counting(recovered.copy());
        Image.open(probe, true).close();
        long r = probe.writePoints();
        if (r == 0) {
            return; // nothing to replay
        }
        Random rnd = new Random(seed);
        for (long k = 0; k <= r; k++) {
            for (Mode m2 : new Mode[] {Mode.RANDOM_SUBSET, Mode.TORN_AT_CRASH}) {
                String ctx2 = ctx + " then replay crashAt=" + k + "/" + r + " mode=" + m2;
                CrashingDevice d2 = new CrashingDevice(recovered.copy(), k);
                boolean crashed = false;
                try {
                    Image.open(d2, true);
                } catch (SimulatedCrash e) {
                    crashed = true;
                }
                assertThat(crashed).as("%s: crashed", ctx2).isTrue();
                try (Image img = Image.open(d2.recover(m2, rnd), true)) {
                    assertThat(classify(img, c, start.model(), after, ctx2)).as(ctx2).isEqualTo(State.AFTER);
                    assertThat(img.info().freeBlocks()).as("%s: free blocks", ctx2).isEqualTo(freeAfter);
                }
                tally[2]++;
            }
        }
    }

    /** Which state the image holds; in the after-state, the command's {@link Command#afterCheck} must hold too. */
    private static State classify(Image img, Command c, ImageModel before, ImageModel after, String ctx)
            throws IOException {
        String dBefore = before.diff(img);
        if (dBefore == null) {
            return State.BEFORE;
        }
        String dAfter = after.diff(img);
        if (dAfter == null) {
            String problem = c.afterCheck() == null ? null : c.afterCheck().problem(img);
            if (problem != null) {
                throw new AssertionError(ctx + ": the after-state's content, but " + problem);
            }
            return State.AFTER;
        }
        throw new AssertionError(ctx + ": content is neither before (" + dBefore + ") nor after (" + dAfter + ")");
    }

    /** Whether the last commit's log (still in the WAL header) used blocks outside the WAL region. */
    private static boolean spilled(CrashingDevice dev, Superblock sb) throws IOException {
        int bs = dev.blockSize();
        byte[] b = new byte[bs];
        dev.read(sb.walStart, b, 0);
        WalCodec.Header h = WalCodec.decodeHeader(b, sb.walStart);
        long walEnd = sb.walStart + sb.walBlocks;
        boolean out = false;
        long d = h.firstDescriptor();
        for (long i = 0; i < h.descriptorCount(); i++) {
            out |= d < sb.walStart || d >= walEnd;
            dev.read(d, b, 0);
            WalCodec.Descriptor desc = WalCodec.decodeDescriptor(b, d);
            for (WalCodec.Entry e : desc.entries()) {
                out |= e.logBlock() < sb.walStart || e.logBlock() >= walEnd;
            }
            d = desc.next();
        }
        return out;
    }

    /**
     * a and b: small files; frag: one block every other block, interleaved on the medium with a
     * file that is then removed, so frag has an extent tree and free space is full of 1-block holes.
     */
    private static Start build(int bs, int holes) throws IOException {
        MemoryDevice dev = formatted(bs).medium();
        ImageModel model = new ImageModel();
        Random rnd = new Random(SEED * bs);
        long free;
        try (Image img = Image.open(dev, true)) {
            write(img, model, "a", 0, bytes(rnd, 3 * bs + 100), false);
            write(img, model, "b", 0, bytes(rnd, 5 * bs + 7), false);
            for (int i = 0; i < holes; i++) {
                write(img, model, "frag", 2L * i * bs, bytes(rnd, bs), false);
                write(img, model, "pad", 2L * i * bs, bytes(rnd, bs), false);
            }
            img.remove("pad");
            model.live.files.remove("pad");
            assertThat(img.extents("frag").tree()).as("frag keeps its extents in a tree").isNotNull();
            assertThat(img.stat("frag").extents()).isGreaterThan(4);
            assertThat(model.diff(img)).isNull();
            free = img.info().freeBlocks();
        }
        return new Start(dev, model, free);
    }

    /** A freshly formatted image: no files, no snapshots. */
    private static Start formatted(int bs) throws IOException {
        // 512: 1 MiB, 4096: 4 MiB; both give the smallest WAL region (8 blocks: header + 7 slots).
        MemoryDevice dev = new MemoryDevice(bs, bs == 512 ? 2048 : 1024);
        Image.format(dev, 0);
        try (Image img = Image.open(dev, true)) {
            return new Start(dev, new ImageModel(), img.info().freeBlocks());
        }
    }

    /** {@code start} with a snapshot s1 of its files, and nothing changed since. */
    private static Start snapshotOnly(Start start) throws IOException {
        try (Image img = Image.open(start.medium(), true)) {
            img.createSnapshot("s1");
            start.model().snapshot("s1");
            assertThat(start.model().diff(img)).isNull();
            return new Start(start.medium(), start.model(), img.info().freeBlocks());
        }
    }

    /** {@code start} with a snapshot s1 of its files, then a partly overwritten and a new file c. */
    private static Start withSnapshot(Start start) throws IOException {
        int bs = start.medium().blockSize();
        ImageModel model = start.model();
        Random rnd = new Random(SEED ^ bs);
        try (Image img = Image.open(start.medium(), true)) {
            img.createSnapshot("s1");
            model.snapshot("s1");
            write(img, model, "a", bs + 10, bytes(rnd, bs), false);
            write(img, model, "c", 0, bytes(rnd, 2 * bs + 3), false);
            assertThat(model.diff(img)).isNull();
            assertThat(Space.checkCounts(img)).isNull();
            return new Start(start.medium(), model, img.info().freeBlocks());
        }
    }

    private static void write(Image img, ImageModel m, String name, long off, byte[] data, boolean trunc)
            throws IOException {
        img.write(name, off, trunc, ch(data));
        m.live.write(name, off, data, trunc);
    }

    private static void truncate(Image img, ImageModel m, String name, long size) throws IOException {
        img.truncate(name, size);
        m.live.files.put(name, Arrays.copyOf(m.live.files.get(name), (int) size));
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static ReadableByteChannel ch(byte[] data) {
        return Channels.newChannel(new ByteArrayInputStream(data));
    }

    private static String describe(Throwable e) {
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        String[] lines = sw.toString().split("\n");
        return String.join("\n    ", Arrays.copyOf(lines, Math.min(lines.length, 6)));
    }
}
