package dev.vde.bench;

import dev.vde.image.Image;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Benchmark fixture for delta replication (issue 5): a file whose data was partly rewritten
 * between two snapshots, {@code base} and {@code next}. The rewrite is a number of pieces (64 KiB
 * by default) at distinct, piece-aligned, random offsets, each written by its own
 * {@link Image#write} (one transaction, as one {@code vde write --offset} would be), so the
 * pieces become extents of their own and {@code next} shares everything else with {@code base}.
 *
 * <p>{@code main} serves {@code src/bench/peers.sh}, which makes the raw files and the base
 * snapshot itself, and times it as vde's one-process row of the overwrites (what a multi-range
 * write would cost; the CLI has none): {@code DeltaFixture IMAGE NAME SOURCE PIECE_KIB INDEX...}
 * writes piece {@code INDEX} of SOURCE (bytes {@code [INDEX * PIECE_KIB KiB, +PIECE_KIB KiB)}) at
 * the same offset of NAME, one transaction per piece, in the order given. {@link #create} builds
 * the whole image in-process for {@code DiffBench}.
 */
public final class DeltaFixture {
    public static final String FILE = "f";
    public static final String BASE = "base";
    public static final String NEXT = "next";
    public static final int PIECE = 64 << 10;

    /** What {@link #create} made: the file's size, the pieces rewritten and the bytes they hold. */
    public record Made(long size, long pieces, long changedBytes) {
    }

    private DeltaFixture() {
    }

    /** The pieces a rewrite of {@code percent} % of {@code size} bytes takes: at least one. */
    public static long pieces(long size, double percent) {
        return Math.max(1, Math.round(size / PIECE * percent / 100));
    }

    /**
     * Formats a fresh image at {@code path} (twice {@code size} plus 256 MiB), writes {@code size}
     * bytes of random data into {@link #FILE}, takes snapshot {@link #BASE}, rewrites
     * {@code percent} % of the file in {@link #PIECE}s of new random bytes at distinct random
     * piece-aligned offsets (one transaction each) and takes snapshot {@link #NEXT}. Everything is
     * drawn from {@code seed}.
     */
    public static Made create(Path path, long size, double percent, long seed) throws IOException {
        if (size % PIECE != 0) {
            throw new IllegalArgumentException("size " + size + " is not a multiple of " + PIECE);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        Image.create(path, 2 * size + (256L << 20), 4096, 0, true);
        long pieces = pieces(size, percent);
        try (Image img = Image.open(path, true)) {
            long written = img.write(FILE, 0, false, new RandomChannel(rnd.split(), size));
            if (written != size) {
                throw new IllegalStateException("wrote " + written + " bytes, not " + size);
            }
            img.createSnapshot(BASE);
            long[] chosen = rnd.longs(0, size / PIECE).distinct().limit(pieces).toArray();
            byte[] piece = new byte[PIECE];
            for (long i : chosen) {
                rnd.nextBytes(piece);
                writePiece(img, FILE, i * PIECE, piece);
            }
            img.createSnapshot(NEXT);
        }
        return new Made(size, pieces, pieces * PIECE);
    }

    private static void writePiece(Image img, String name, long offset, byte[] piece) throws IOException {
        long n = img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(piece)));
        if (n != piece.length) {
            throw new IllegalStateException("wrote " + n + " bytes at " + offset + ", not " + piece.length);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: DeltaFixture IMAGE NAME SOURCE PIECE_KIB INDEX...");
            System.exit(2);
        }
        int pieceBytes = Integer.parseInt(args[3]) << 10;
        long[] indexes = Arrays.stream(args, 4, args.length).mapToLong(Long::parseLong).toArray();
        byte[] piece = new byte[pieceBytes];
        try (Image img = Image.open(Path.of(args[0]), true);
                FileChannel src = FileChannel.open(Path.of(args[2]), StandardOpenOption.READ)) {
            for (long i : indexes) {
                ByteBuffer buf = ByteBuffer.wrap(piece);
                long offset = i * pieceBytes;
                while (buf.hasRemaining()) {
                    if (src.read(buf, offset + buf.position()) < 0) {
                        throw new IllegalArgumentException(args[2] + " ends before piece " + i);
                    }
                }
                writePiece(img, args[1], offset, piece);
            }
        }
    }

    /** {@code size} random bytes from {@code rnd}, as a channel (a pipe would be read so). */
    static final class RandomChannel implements ReadableByteChannel {
        private final SplittableRandom rnd;
        private final byte[] chunk = new byte[1 << 20];
        private long left;
        private boolean open = true;

        RandomChannel(SplittableRandom rnd, long size) {
            this.rnd = rnd;
            this.left = size;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(Math.min(dst.remaining(), chunk.length), left);
            rnd.nextBytes(chunk);
            dst.put(chunk, 0, n);
            left -= n;
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
