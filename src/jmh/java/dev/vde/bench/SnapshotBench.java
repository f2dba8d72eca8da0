package dev.vde.bench;

import dev.vde.bench.ExtentFixture.Layout;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Image-wide snapshots in-process ({@link Image#createSnapshot}, {@link Image#deleteSnapshot}),
 * each one transaction including its commit and {@code fdatasync}: {@code vde snapshot create}
 * and {@code delete} without JVM start-up. The image is a file on {@code /dev/shm} when it
 * exists (else {@code java.io.tmpdir}), opened once per trial and kept open.
 *
 * <ul>
 *   <li>{@code create}: a snapshot of an image whose one file has {@code extents} one-block
 *       extents laid out {@code scattered} (no two touch on disk: every extent is its own
 *       ref-count range, the worst case) or {@code contiguous} (one physical run with logical
 *       gaps: the ref-count change is one range); see {@link ExtentFixture}. The snapshot is
 *       deleted again after each invocation, untimed, so every invocation snapshots the same
 *       image.
 *   <li>{@code delete}: deleting that snapshot, taken untimed before each invocation.
 *   <li>{@code data}: a snapshot of an image holding {@code bytes} (1 MiB or 1 GiB) in 8
 *       scattered extents: what the data itself costs, which should be nothing.
 * </ul>
 *
 * Why: issue 4 asks that a snapshot cost O(extents), never O(data), and that a million extents
 * snapshot in under 2 s. Fixtures are built in one transaction per trial (untimed, about 20 s for
 * a million extents); their data blocks are allocated but never written. Each iteration is one
 * invocation, so the small sizes need the 10 warm-up iterations to reach compiled code; at a
 * million extents one create allocates about 700 MB, and young collections make the spread wide.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.EXPORTS, BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.PRETOUCH})
@Warmup(iterations = 10)
@Measurement(iterations = 10)
public class SnapshotBench {
    static final String FILE = "f";
    static final String SNAPSHOT = "s";
    static final int BLOCK_SIZE = 4096;

    /** An image file built once per trial and kept open; {@link #shape} says what it holds. */
    @State(Scope.Benchmark)
    public abstract static class OpenImage {
        Path dir;
        Image image;

        /** Extents of the file and blocks per extent. */
        abstract long[] shape();

        abstract Layout layout();

        @Setup(Level.Trial)
        public void build() throws IOException {
            long[] shape = shape();
            Path shm = Path.of("/dev/shm");
            dir = Files.createTempDirectory(Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")),
                    "vde-snapbench");
            Path file = dir.resolve("bench.vde");
            Image.create(file, ExtentFixture.imageSize(shape[0], (int) shape[1], BLOCK_SIZE), BLOCK_SIZE, 0, true);
            ExtentFixture.create(file, FILE, shape[0], (int) shape[1], layout(), null);
            image = Image.open(file, true);
            if (image.stat(FILE).extents() != shape[0]) {
                throw new IllegalStateException("fixture has " + image.stat(FILE).extents() + " extents, not " + shape[0]);
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            image.close();
            Files.deleteIfExists(dir.resolve("bench.vde"));
            Files.deleteIfExists(dir);
        }

        /** Deletes the snapshot an invocation made, checking it froze every extent. */
        void deleteSnapshot() throws IOException {
            long frozen = image.snapshot(SNAPSHOT).extentCount();
            image.deleteSnapshot(SNAPSHOT);
            if (frozen != shape()[0]) {
                throw new IllegalStateException("snapshot froze " + frozen + " extents, not " + shape()[0]);
            }
        }
    }

    /** A file of {@code extents} one-block extents in the given layout. */
    public abstract static class Extents extends OpenImage {
        @Param({"10000", "100000", "1000000"})
        public int extents;

        @Param({"scattered", "contiguous"})
        public String layout;

        @Override
        long[] shape() {
            return new long[] {extents, 1};
        }

        @Override
        Layout layout() {
            return Layout.of(layout);
        }
    }

    /** No snapshot before an invocation; the one it makes is deleted after it. */
    public static class Unsnapped extends Extents {
        @TearDown(Level.Invocation)
        public void drop() throws IOException {
            deleteSnapshot();
        }
    }

    /** A snapshot taken before each invocation. */
    public static class Snapped extends Extents {
        @Setup(Level.Invocation)
        public void take() throws IOException {
            image.createSnapshot(SNAPSHOT);
        }
    }

    /** A file of {@code bytes} in 8 scattered extents, no snapshot before an invocation. */
    public static class Data extends OpenImage {
        static final int EXTENTS = 8;

        @Param({"1M", "1G"})
        public String bytes;

        @Override
        long[] shape() {
            long n = Long.parseLong(bytes.substring(0, bytes.length() - 1))
                    << (bytes.endsWith("G") ? 30 : bytes.endsWith("M") ? 20 : 10);
            return new long[] {EXTENTS, n / BLOCK_SIZE / EXTENTS};
        }

        @Override
        Layout layout() {
            return Layout.SCATTERED;
        }

        @TearDown(Level.Invocation)
        public void drop() throws IOException {
            deleteSnapshot();
        }
    }

    @Benchmark
    public SnapshotInfo create(Unsnapped s) throws IOException {
        return s.image.createSnapshot(SNAPSHOT);
    }

    @Benchmark
    public void delete(Snapped s) throws IOException {
        s.image.deleteSnapshot(SNAPSHOT);
    }

    @Benchmark
    public SnapshotInfo data(Data s) throws IOException {
        return s.image.createSnapshot(SNAPSHOT);
    }
}
