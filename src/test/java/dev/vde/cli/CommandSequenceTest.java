package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.image.Image;
import dev.vde.testutil.Model;
import dev.vde.testutil.Space;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long random sequence of whole commands (write, rm, mv, snapshot create, delete and
 * rollback, cat, ls, fsck) on one image file, each parsed and run as the {@code vde} process runs
 * it, against a model of every live file and every snapshot. Expected failures are part of the
 * sequence (a missing file: 3; a name taken: 5) and must leave nothing behind.
 *
 * <p>At the end fsck is clean, the used blocks are exactly the blocks that files, snapshots and
 * metadata reference, and once everything is removed the image is back to the blocks of a fresh
 * format: nothing leaked over the whole run.
 *
 * <p>The commands run in this JVM: a JVM per command would cost about 0.2 s each, 5 hours for a
 * deep run. CI runs {@value #DEFAULT_COMMANDS} commands; the deep run, 10^5:
 * {@code mvn -B test -Dtest=CommandSequenceTest -Dvde.sequence.commands=100000 [-Dvde.sequence.seed=N]}.
 */
class CommandSequenceTest {
    private static final int DEFAULT_COMMANDS = 1500;
    private static final int MAX_SNAPSHOTS = 8;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.HOURS)
    void longSequenceKeepsTheModelFsckCleanAndSpaceExact() throws Exception {
        int commands = Integer.getInteger("vde.sequence.commands", DEFAULT_COMMANDS);
        long seed = Long.getLong("vde.sequence.seed", System.nanoTime());
        System.out.println("CommandSequenceTest: " + commands + " commands, -Dvde.sequence.seed=" + seed);
        Random rnd = new Random(seed);
        String img = dir.resolve("long.vde").toString();
        CliTest.ok("format", img, "--size", "64M", "--inodes", "64");
        long freshUsed = usedBlocks(img);

        Model live = new Model();
        Map<String, Model> snapshots = new TreeMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            names.add("f" + i);
        }
        int snapCounter = 0;
        int[] counts = new int[Op.values().length];
        for (int step = 0; step < commands; step++) {
            Op op = Op.pick(rnd);
            counts[op.ordinal()]++;
            String name = names.get(rnd.nextInt(names.size()));
            String ctx = "seed " + seed + ", step " + step + ", " + op;
            switch (op) {
                case WRITE -> {
                    byte[] data = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(64 << 10) : rnd.nextInt(9000)];
                    rnd.nextBytes(data);
                    int offset = rnd.nextInt(3) == 0 ? rnd.nextInt(48 << 10) : 0;
                    boolean truncate = rnd.nextInt(6) == 0;
                    List<String> args = new ArrayList<>(List.of("write", img, name, "--offset", "" + offset));
                    if (truncate) {
                        args.add("--truncate");
                    }
                    expect(ctx, 0, data, args.toArray(String[]::new));
                    live.write(name, offset, data, truncate);
                }
                case RM -> {
                    expect(ctx, live.files.containsKey(name) ? 0 : ExitCodes.NOT_FOUND, null, "rm", img, name);
                    live.files.remove(name);
                }
                case MV -> {
                    String to = names.get(rnd.nextInt(names.size()));
                    boolean force = rnd.nextBoolean();
                    int status = !live.files.containsKey(name) ? ExitCodes.NOT_FOUND
                            : name.equals(to) || !live.files.containsKey(to) || force ? 0 : ExitCodes.CONFLICT;
                    expect(ctx, status, null, force ? new String[] {"mv", img, name, to, "--force"}
                            : new String[] {"mv", img, name, to});
                    if (status == 0 && !name.equals(to)) {
                        live.files.put(to, live.files.remove(name));
                    }
                }
                case SNAPSHOT -> {
                    if (snapshots.size() >= MAX_SNAPSHOTS) {
                        String victim = pick(rnd, snapshots);
                        expect(ctx, 0, null, "snapshot", "delete", img, victim);
                        snapshots.remove(victim);
                    }
                    String snap = rnd.nextInt(10) == 0 && !snapshots.isEmpty() ? pick(rnd, snapshots) : "s" + snapCounter++;
                    int status = snapshots.containsKey(snap) ? ExitCodes.CONFLICT : 0;
                    expect(ctx, status, null, "snapshot", "create", img, snap);
                    if (status == 0) {
                        snapshots.put(snap, live.copy());
                    }
                }
                case DELETE -> {
                    String snap = snapshots.isEmpty() || rnd.nextInt(10) == 0 ? "missing" : pick(rnd, snapshots);
                    expect(ctx, snapshots.containsKey(snap) ? 0 : ExitCodes.NOT_FOUND, null, "snapshot", "delete", img,
                            snap);
                    snapshots.remove(snap);
                }
                case ROLLBACK -> {
                    if (!snapshots.isEmpty()) {
                        String snap = pick(rnd, snapshots);
                        expect(ctx, 0, null, "snapshot", "rollback", img, snap);
                        live = snapshots.get(snap).copy();
                    }
                }
                case CAT -> {
                    boolean fromSnapshot = !snapshots.isEmpty() && rnd.nextInt(3) == 0;
                    String snap = fromSnapshot ? pick(rnd, snapshots) : null;
                    Model m = fromSnapshot ? snapshots.get(snap) : live;
                    CliTest.Run r = fromSnapshot ? CliTest.run("cat", img, name, "--snapshot", snap)
                            : CliTest.run("cat", img, name);
                    if (m.files.containsKey(name)) {
                        assertThat(r.status()).as("%s: %s", ctx, r.stderr()).isZero();
                        assertThat(Arrays.equals(r.stdout(), m.files.get(name))).as("%s: bytes of %s", ctx, name).isTrue();
                    } else {
                        CliTest.assertError(r, ExitCodes.NOT_FOUND, ctx);
                    }
                }
                case LS -> {
                    CliTest.Run r = CliTest.ok("ls", img);
                    String expected = live.files.keySet().stream().map(n -> n + "\n").reduce("", String::concat);
                    assertThat(r.out()).as(ctx).isEqualTo(expected);
                }
                case FSCK -> expect(ctx, 0, null, "fsck", img);
            }
        }
        System.out.println("CommandSequenceTest: " + describe(counts) + "; " + live.files.size() + " files, "
                + snapshots.size() + " snapshots at the end");

        CliTest.Run fsck = CliTest.run("fsck", img);
        assertThat(fsck.status()).as("fsck at the end (seed %d): %s", seed, fsck.out()).isZero();
        try (Image im = Image.open(Path.of(img), false)) {
            assertThat(live.diff(im)).as("live files at the end (seed %d)", seed).isNull();
            for (Map.Entry<String, Model> s : snapshots.entrySet()) {
                assertThat(s.getValue().diff(im, s.getKey())).as("snapshot %s (seed %d)", s.getKey(), seed).isNull();
            }
            assertThat(Space.check(im)).as("space at the end (seed %d)", seed).isNull();
            assertThat(Space.checkCounts(im)).as("reference counts at the end (seed %d)", seed).isNull();
        }
        for (String f : live.files.keySet()) {
            CliTest.ok("rm", img, f);
        }
        for (String s : snapshots.keySet()) {
            CliTest.ok("snapshot", "delete", img, s);
        }
        assertThat(usedBlocks(img)).as("blocks used once everything is removed (seed %d)", seed).isEqualTo(freshUsed);
        assertThat(CliTest.run("fsck", img).status()).isZero();
    }

    /** The operations and how often each comes: mostly writes, as in use. */
    enum Op {
        WRITE(36), RM(8), MV(8), SNAPSHOT(7), DELETE(4), ROLLBACK(3), CAT(24), LS(6), FSCK(4);

        final int weight;

        Op(int weight) {
            this.weight = weight;
        }

        static Op pick(Random rnd) {
            int total = Arrays.stream(values()).mapToInt(o -> o.weight).sum();
            int x = rnd.nextInt(total);
            for (Op o : values()) {
                x -= o.weight;
                if (x < 0) {
                    return o;
                }
            }
            throw new AssertionError();
        }
    }

    private static String describe(int[] counts) {
        StringBuilder b = new StringBuilder();
        for (Op o : Op.values()) {
            b.append(b.length() == 0 ? "" : ", ").append(counts[o.ordinal()]).append(' ').append(o.name().toLowerCase());
        }
        return b.toString();
    }

    private static String pick(Random rnd, Map<String, Model> snapshots) {
        List<String> keys = List.copyOf(snapshots.keySet());
        return keys.get(rnd.nextInt(keys.size()));
    }

    /** Runs one command; a failure must be the exact status and the error contract. */
    private static void expect(String ctx, int status, byte[] stdin, String... args) {
        CliTest.Run r = CliTest.run(stdin == null ? new byte[0] : stdin, args);
        if (status == 0) {
            assertThat(r.status()).as("%s: %s: %s", ctx, Arrays.toString(args), r.stderr()).isZero();
        } else {
            CliTest.assertError(r, status, ctx + ": " + Arrays.toString(args));
        }
    }

    private static long usedBlocks(String img) throws Exception {
        try (Image im = Image.open(Path.of(img), false)) {
            return im.info().usedBlocks();
        }
    }
}
