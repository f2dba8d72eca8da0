package dev.vde.bench;

import dev.vde.image.Image;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * One {@link Image#write} of 64 MiB of random data into a new file of a freshly formatted
 * 256 MiB image on a temp file (opened with {@link Image#open(Path, boolean)}, so a
 * {@code ChunkedMappedDevice}), as one transaction including its commit and {@code fdatasync}:
 * {@code vde write} without the JVM start-up and argument parsing. Each iteration is a single
 * shot on a new image, formatted in untimed setup.
 *
 * <p>{@code source} picks the input channel and with it the engine's copy path:
 * {@code channel} is a plain {@link ReadableByteChannel} over a heap array (what standard input
 * gets: the data goes through the device's direct transfer buffer), {@code file} is a
 * {@link FileChannel} of a 64 MiB temp file in the page cache (what {@code --input FILE} gets:
 * {@code transferTo}, sendfile inside the kernel).
 *
 * <p>Why: this is the engine's share of {@code src/bench/peers.sh}'s {@code vde write} row, which also hold
 * process start-up. Temp files go to {@code java.io.tmpdir}; the machine's disk is shared and
 * noisy, so the sync makes the spread wide.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = BenchJvm.EXPORTS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@State(Scope.Benchmark)
public class WriteBench {
    static final int SIZE = 64 << 20;
    static final long IMAGE_SIZE = 256L << 20;

    @Param({"channel", "file"})
    public String source;

    Path dir;
    Path input;
    byte[] data;
    Path imagePath;
    Image image;
    ReadableByteChannel in;
    long written;

    @Setup(Level.Trial)
    public void data() throws IOException {
        data = new byte[SIZE];
        new SplittableRandom(42).nextBytes(data);
        dir = Files.createTempDirectory("vde-writebench");
        input = dir.resolve("input.raw");
        Files.write(input, data);
        imagePath = dir.resolve("bench.vde");
    }

    @Setup(Level.Iteration)
    public void freshImage() throws IOException {
        Image.create(imagePath, IMAGE_SIZE, 4096, 0, true);
        image = Image.open(imagePath, true);
        in = source.equals("file") ? FileChannel.open(input, StandardOpenOption.READ) : new HeapChannel(data);
        written = 0;
    }

    @TearDown(Level.Iteration)
    public void closeImage() throws IOException {
        in.close();
        long size = image.stat("f").size();
        image.close();
        if (written != SIZE || size != SIZE) {
            throw new IllegalStateException("wrote " + written + " bytes, file has " + size + ", wanted " + SIZE);
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        Files.deleteIfExists(imagePath);
        Files.deleteIfExists(input);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long write() throws IOException {
        written = image.write("f", 0, false, in);
        return written;
    }

    /** A channel over a heap array, as a pipe would be read: no {@code FileChannel} shortcut. */
    static final class HeapChannel implements ReadableByteChannel {
        private final ByteBuffer src;
        private boolean open = true;

        HeapChannel(byte[] data) {
            src = ByteBuffer.wrap(data);
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!src.hasRemaining()) {
                return -1;
            }
            int n = Math.min(dst.remaining(), src.remaining());
            dst.put(src.slice(src.position(), n));
            src.position(src.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
