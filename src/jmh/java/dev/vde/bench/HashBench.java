package dev.vde.bench;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import net.openhft.hashing.LongHashFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * XXH64 ({@link LongHashFunction#xx()}: every block trailer, log entry and file digest) over the
 * same 1 MiB of random bytes, once in place in a {@link MappedByteBuffer} of a temp file and once
 * in a heap {@code byte[]}. One operation hashes 1 MiB, so the score in ops/s is MiB/s.
 *
 * <p>Why: the hash is on every metadata read and every data block written. The engine hashes
 * heap copies today (trailers are verified in the block just read; the file digest hashes the
 * blocks it reads and writes), while the image itself is a memory map: this shows what the hash
 * costs per byte, and whether hashing the mapping in place (through {@code sun.nio.ch}, hence the
 * {@code --add-exports}) would be as fast as hashing a copy. The file is paged in during setup,
 * so page faults are not measured.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = BenchJvm.EXPORTS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class HashBench {
    static final int SIZE = 1 << 20;
    static final LongHashFunction XX = LongHashFunction.xx();

    Path file;
    MappedByteBuffer mapped;
    byte[] heap;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        heap = new byte[SIZE];
        new SplittableRandom(42).nextBytes(heap);
        file = Files.createTempFile("vde-hashbench", ".bin");
        Files.write(file, heap);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, SIZE);
        }
        mapped.load();
        if (XX.hashBytes(mapped, 0, SIZE) != XX.hashBytes(heap)) {
            throw new IllegalStateException("mapped and heap bytes hash differently");
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    @Benchmark
    public long mapped() {
        return XX.hashBytes(mapped, 0, SIZE);
    }

    @Benchmark
    public long heap() {
        return XX.hashBytes(heap);
    }
}
