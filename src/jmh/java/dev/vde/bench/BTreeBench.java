package dev.vde.bench;

import dev.vde.btree.BTree;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import dev.vde.inode.Extent;
import dev.vde.io.MemoryDevice;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.IOException;
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
 * The extent B+tree ({@link BTree} with {@link NodeLayout#EXTENTS}, 4 KiB nodes) of a file with
 * {@code n} extents, on an in-memory image ({@link MemoryDevice}, formatted with
 * {@link Image#format}), through the engine's own {@link Transaction} as the node store:
 *
 * <ul>
 *   <li>{@code insert}: {@code n} extents in ascending offset order (how a file written front to
 *       back grows its map) into an empty tree inside one open transaction, so every node is
 *       encoded, sealed with XXH64 and kept in the transaction's dirty map; time per whole tree.
 *   <li>{@code floor}: one lookup of a random offset ({@link BTree#floor}, what every read and
 *       write does per extent) in a committed tree, read through a read-only open: every node on
 *       the path is read from the device, its checksum verified and decoded, as the engine has no
 *       node cache; time per lookup.
 *   <li>{@code scan}: a cursor over all {@code n} entries of the committed tree along the leaf
 *       chain (what reading or deleting a whole file walks); time per whole scan.
 * </ul>
 *
 * Why: the tree is on the path of every command, and the engine reads and verifies a node on
 * every visit; these three show how that cost grows with a file's extent count. Building the
 * trees, committing them and opening the image are setup and not timed.
 */
@BenchmarkMode(Mode.AverageTime)
@Fork(value = 1, jvmArgsAppend = {BenchJvm.EXPORTS, BenchJvm.HEAP_MIN, BenchJvm.HEAP_MAX, BenchJvm.PRETOUCH})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class BTreeBench {
    static final int BLOCK_SIZE = 4096;
    /** 1 GiB: room for a million-entry tree (about 12,000 nodes) and its log spill. */
    static final long DEVICE_BLOCKS = (1L << 30) / BLOCK_SIZE;
    static final long OWNER = 1;
    static final NodeCodec CODEC = new NodeCodec(NodeLayout.EXTENTS, BLOCK_SIZE);

    /** The tree size and its entries: extent {@code i} maps one block at byte {@code i * 4096}. */
    @State(Scope.Benchmark)
    public abstract static class Sized {
        @Param({"10000", "100000", "1000000"})
        public int n;

        long[][] entries() {
            long[][] e = new long[n][];
            for (int i = 0; i < n; i++) {
                e[i] = new Extent(1000 + i, 1, 0, (long) i * BLOCK_SIZE).toWords();
            }
            return e;
        }

        static MemoryDevice formatted() throws IOException {
            MemoryDevice dev = new MemoryDevice(BLOCK_SIZE, DEVICE_BLOCKS);
            Image.format(dev, 0);
            return dev;
        }
    }

    /** An empty tree in a fresh transaction for every invocation. */
    @State(Scope.Benchmark)
    public static class Empty extends Sized {
        long[][] entries;
        MemoryDevice dev;
        Image image;
        BTree tree;

        @Setup(Level.Trial)
        public void format() throws IOException {
            entries = entries();
            dev = formatted();
        }

        @Setup(Level.Invocation)
        public void open() throws IOException {
            image = Image.open(dev, true);
            tree = new BTree(CODEC, image.view(), OWNER, 0, 0);
        }

        @TearDown(Level.Invocation)
        public void check() throws IOException {
            long last = entries[n - 1][NodeLayout.EXTENTS.keyWord()];
            if (tree.get(last) == null) {
                throw new IllegalStateException("insert lost key " + last);
            }
            image.close();
        }
    }

    /** A committed tree of {@code n} entries, opened read-only, and random offsets to look up. */
    @State(Scope.Benchmark)
    public static class Built extends Sized {
        static final int PROBES = 1 << 16;
        Image image;
        BTree tree;
        long[] probes;
        int next;

        @Setup(Level.Trial)
        public void build() throws IOException {
            MemoryDevice dev = formatted();
            long root;
            int height;
            try (Image writer = Image.open(dev, true)) {
                Transaction tx = writer.view();
                BTree t = new BTree(CODEC, tx, OWNER, 0, 0);
                for (long[] e : entries()) {
                    t.insert(e);
                }
                Superblock sb = tx.superblock();
                tx.commit(new Journal(dev, sb.walStart, sb.walBlocks));
                root = t.root();
                height = t.height();
            }
            image = Image.open(dev, false);
            tree = new BTree(CODEC, image.view(), OWNER, root, height);
            long count = 0;
            for (BTree.Cursor c = tree.first(); c.valid(); c.next()) {
                count++;
            }
            if (count != n) {
                throw new IllegalStateException("tree holds " + count + " entries, not " + n);
            }
            SplittableRandom rnd = new SplittableRandom(42);
            probes = new long[PROBES];
            for (int i = 0; i < PROBES; i++) {
                probes[i] = rnd.nextLong((long) n * BLOCK_SIZE);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            image.close();
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public BTree insert(Empty s) {
        for (long[] e : s.entries) {
            s.tree.insert(e);
        }
        return s.tree;
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long[] floor(Built s) {
        return s.tree.floor(s.probes[s.next++ & (Built.PROBES - 1)]);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long scan(Built s) {
        long sum = 0;
        for (BTree.Cursor c = s.tree.first(); c.valid(); c.next()) {
            sum += c.word(0);
        }
        return sum;
    }
}
