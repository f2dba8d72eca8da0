package dev.vde.bench;

import dev.vde.image.Image;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A copy-on-write overwrite in-process: one {@link Image#write} of {@code kib} KiB over a region
 * of a 64 MiB file, one transaction with its commit, as {@code vde write --offset} without JVM
 * start-up. With {@code shared}, a snapshot holds the region, so the write must leave its blocks
 * to the snapshot (their reference count drops, nothing is freed); without, the old blocks are
 * the file's alone and are freed. Either way the data goes to new blocks.
 *
 * <p>The file is written whole, then every region is overwritten once in random order (untimed),
 * so each region is an extent of its own and a timed overwrite replaces one extent by another:
 * the steady state of a file that has been patched all over, with about as many extents as
 * regions (16,384 at 4 KiB, 1,024 at 64 KiB). Invocations overwrite the regions in another random
 * order, each pass with other bytes than the last; after the last region the snapshot is taken
 * again (untimed), so with {@code shared} every timed write hits a region the snapshot holds. The image is a file on {@code /dev/shm}
 * when that exists (else {@code java.io.tmpdir}), so the commit's {@code fdatasync} costs next
 * to nothing: this is the engine's work, the disk is {@code src/bench/peers.sh}'s. Before each
 * new snapshot and at the end, the snapshot is read back whole and must hold what it froze.
 *
 * <p>Why: issue 7 asks for the cost of a copy-on-write overwrite beside tree operations and
 * snapshot create; peers.sh's overwrite rows are this plus a JVM start-up (or, for the one-JVM
 * row, plus the disk's flush) per write.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.EXPORTS, BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class CowBench {
    static final String FILE = "f";
    static final String SNAPSHOT = "s";
    static final long SIZE = 64L << 20;

    @Param({"4", "64"})
    public int kib;

    @Param({"true", "false"})
    public boolean shared;

    Path dir;
    Image image;
    /** What the passes write, in turn: pass {@code p} writes {@code patches[p % 2]} everywhere. */
    final byte[][] patches = new byte[2][];
    int pass;
    long[] order;
    int next;

    @Setup(Level.Trial)
    public void build() throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        Path shm = Path.of("/dev/shm");
        dir = Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                "vde-cowbench");
        Path file = dir.resolve("bench.vde");
        Image.create(file, 4 * SIZE, 4096, 0, true);
        image = Image.open(file, true);
        byte[] whole = new byte[(int) SIZE];
        rnd.nextBytes(whole);
        image.write(FILE, 0, false, new WriteBench.HeapChannel(whole));
        for (int i = 0; i < patches.length; i++) {
            patches[i] = new byte[kib << 10];
            rnd.nextBytes(patches[i]);
        }
        order = shuffled(rnd, SIZE / patches[0].length);
        for (long region : order) {
            overwrite(region);
        }
        pass++;
        if (image.stat(FILE).extents() < order.length / 2) {
            throw new IllegalStateException("the overwrites left " + image.stat(FILE).extents() + " extents for "
                    + order.length + " regions: neighbours merged, the steady state is not what the comment says");
        }
        order = shuffled(rnd, order.length);
        if (shared) {
            image.createSnapshot(SNAPSHOT);
        }
    }

    private static long[] shuffled(SplittableRandom rnd, long n) {
        long[] a = new long[(int) n];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private long overwrite(long region) throws IOException {
        byte[] patch = patches[pass % 2];
        return image.write(FILE, region * patch.length, false, new WriteBench.HeapChannel(patch));
    }

    /** After the last region, a new snapshot, so that the next overwrites hit shared blocks again. */
    @Setup(Level.Invocation)
    public void wrap() throws IOException {
        if (next == order.length) {
            next = 0;
            if (shared) {
                checkSnapshot();
                image.deleteSnapshot(SNAPSHOT);
                image.createSnapshot(SNAPSHOT);
            }
            pass++;
        }
    }

    /** The snapshot, taken after pass {@code pass - 1}, holds that pass's bytes in every region. */
    private void checkSnapshot() throws IOException {
        Repeats expected = new Repeats(patches[(pass - 1) % 2]);
        image.cat(FILE, SNAPSHOT, expected);
        if (expected.bytes != SIZE) {
            throw new IllegalStateException("the snapshot reads " + expected.bytes + " bytes, not " + SIZE);
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        if (shared) {
            checkSnapshot();
        }
        image.close();
        Files.deleteIfExists(dir.resolve("bench.vde"));
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long overwrite() throws IOException {
        return overwrite(order[next++]);
    }

    /** A channel that fails unless it is given {@code unit} over and over; counts in {@code bytes}. */
    static final class Repeats extends DiffBench.Discard {
        private final byte[] unit;

        Repeats(byte[] unit) {
            this.unit = unit;
        }

        @Override
        public int write(ByteBuffer src) {
            for (int i = src.position(); i < src.limit(); i++) {
                if (src.get(i) != unit[(int) ((bytes + i - src.position()) % unit.length)]) {
                    throw new IllegalStateException("the snapshot differs at byte " + (bytes + i - src.position())
                            + ": an overwrite reached a block it holds");
                }
            }
            return super.write(src);
        }
    }
}
