package dev.vde.bench;

import dev.vde.alloc.Allocator;
import dev.vde.alloc.Run;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import dev.vde.inode.Extent;
import dev.vde.inode.FileDigest;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeTable;
import dev.vde.io.BlockDevice;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Benchmark fixture: one file of very many extents, built in one transaction instead of one
 * {@link Image#write} per extent (as the tests' {@code ManyExtents} does), in either of two
 * physical layouts:
 *
 * <ul>
 *   <li>{@link Layout#SCATTERED}: extent {@code i} maps blocks {@code [b + i (k + 1), +k)}
 *       at logical block {@code i k}. The file reads as one contiguous range, but the block after
 *       every extent is left free, so no two extents touch on disk: neighbours can neither merge
 *       nor share a ref-count range (the worst case for the ref-count table).
 *   <li>{@link Layout#CONTIGUOUS}: extent {@code i} maps blocks {@code [b + i k, +k)} at logical
 *       block {@code i (k + 1)}: the blocks are one physical run and the gaps are logical (holes),
 *       so the extents cannot merge but their ref-count changes collapse into one range.
 * </ul>
 *
 * Without a source the data blocks are allocated but never written (a sparse image file reads
 * them as zeros, so the file's digest is that of zeros); with one, its bytes are written into the
 * blocks and the digest kept, so {@code vde cat} returns the source and {@code vde fsck} passes.
 *
 * <p>{@code main} serves {@code src/bench/peers.sh} (its snapshot and fsck rows):
 * {@code ExtentFixture IMAGE NAME SOURCE EXTENT_KIB} fills NAME of a freshly formatted IMAGE with
 * SOURCE in scattered extents of EXTENT_KIB each.
 */
public final class ExtentFixture {
    /** Where the extents' blocks lie; see the class comment. */
    public enum Layout {
        SCATTERED, CONTIGUOUS;

        public static Layout of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    private ExtentFixture() {
    }

    /**
     * An image size (bytes) that holds such a file with room to spare for its snapshots'
     * metadata and a spilled log: the data blocks with their gaps, plus 256 bytes per extent and
     * 64 MiB.
     */
    public static long imageSize(long extents, int blocksPerExtent, int blockSize) {
        return extents * (blocksPerExtent + 1L) * blockSize + extents * 256 + (64L << 20);
    }

    /**
     * Creates file {@code name} in the image at {@code path} (freshly formatted: its free space
     * must be one run) with {@code extents} extents of {@code blocksPerExtent} blocks each, filled
     * from {@code source} when it is not null (which must hold exactly that many bytes).
     */
    public static void create(Path path, String name, long extents, int blocksPerExtent, Layout layout, Path source)
            throws IOException {
        try (Image img = Image.open(path, true);
                InputStream in = source == null ? null : Files.newInputStream(source)) {
            img.write(name, 0, false, Channels.newChannel(new ByteArrayInputStream(new byte[0])));
            Transaction tx = img.view();
            FileExtents map = img.extents(name);
            BlockDevice dev = img.device();
            int bs = tx.blockSize();
            if (source != null && Files.size(source) != extents * blocksPerExtent * bs) {
                throw new IllegalArgumentException(source + " holds " + Files.size(source) + " bytes, not "
                        + extents + " extents of " + blocksPerExtent + " blocks of " + bs);
            }
            boolean scattered = layout == Layout.SCATTERED;
            long blocks = extents * (blocksPerExtent + (scattered ? 1 : 0));
            Allocator alloc = tx.allocator();
            Run run = alloc.allocate(-1, blocks);
            if (run.length() != blocks) {
                throw new IllegalStateException("the image has no free run of " + blocks + " blocks (format a fresh one of "
                        + imageSize(extents, blocksPerExtent, bs) + " bytes)");
            }
            DataInputStream data = in == null ? null : new DataInputStream(in);
            long zero = FileDigest.zeroBlockHash(bs);
            FileDigest digest = FileDigest.EMPTY;
            byte[] buf = new byte[bs];
            long physical = run.start();
            long logical = 0;
            for (long i = 0; i < extents; i++) {
                if (data != null) {
                    for (int j = 0; j < blocksPerExtent; j++) {
                        data.readFully(buf);
                        dev.write(physical + j, buf, 0);
                        digest = digest.plus(FileDigest.contribution(logical + j, FileDigest.blockHash(buf), zero));
                    }
                }
                map.add(new Extent(physical, blocksPerExtent, 0, logical * bs));
                physical += blocksPerExtent;
                logical += blocksPerExtent;
                if (scattered) {
                    alloc.free(physical++, 1); // freed at commit, never reused before
                } else if (i < extents - 1) {
                    logical++;
                }
            }
            Inode ino = map.inode();
            ino.size = logical * bs;
            ino.digest = digest;
            new InodeTable(tx).put(ino);
            Superblock sb = tx.superblock();
            tx.commit(new Journal(dev, sb.walStart, sb.walBlocks));
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: ExtentFixture IMAGE NAME SOURCE EXTENT_KIB");
            System.exit(2);
        }
        Path image = Path.of(args[0]);
        Path source = Path.of(args[2]);
        long extentBytes = Long.parseLong(args[3]) << 10;
        int bs;
        try (Image img = Image.open(image, false)) {
            bs = img.superblock().blockSize;
        }
        if (extentBytes % bs != 0 || Files.size(source) % extentBytes != 0) {
            throw new IllegalArgumentException("EXTENT_KIB must be a multiple of the block size (" + bs
                    + ") and divide the size of " + source);
        }
        create(image, args[1], Files.size(source) / extentBytes, (int) (extentBytes / bs), Layout.SCATTERED, source);
    }
}
