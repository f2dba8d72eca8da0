package dev.vde.snapshot;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.InodeLayout;
import dev.vde.format.LE;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeCodec;
import java.util.List;

/**
 * Encodes a snapshot file-table page (tag {@code SFIL}): a chain of pages holding the frozen
 * inodes of one snapshot, in inode-number order, each an inode record exactly as in the inode
 * table (see {@link InodeCodec}). A frozen inode's extent tree is its own copy, whose nodes
 * record the owner {@code snapshotId << 40 | inode}, and every extent it maps carries the
 * SharedCow flag.
 *
 * <pre>
 * +0     8    next        next page of the same snapshot, 0 in the last
 * +8     4    count       records in this page, at least 1
 * +12    4    reserved (0)
 * +16    8    snapshotId  the snapshot the page belongs to
 * +24    8    reserved (0)
 * +32    ..   records     count x 448 bytes (inode records)
 * -16    16   trailer (tag SFIL, generation, XXH64)
 * </pre>
 */
public final class SnapshotFilesCodec {
    static final int HEADER = 32;

    private SnapshotFilesCodec() {
    }

    public static int perPage(int blockSize) {
        return (blockSize - HEADER - BlockTrailer.SIZE) / InodeLayout.SIZE;
    }

    public static byte[] encode(List<Inode> files, long next, long snapshotId, int blockSize) {
        byte[] b = new byte[blockSize];
        LE.i64(b, 0, next);
        LE.i32(b, 8, files.size());
        LE.i64(b, 16, snapshotId);
        int off = HEADER;
        for (Inode ino : files) {
            InodeCodec.encode(ino, b, off);
            off += InodeLayout.SIZE;
        }
        return b;
    }

    public static long next(byte[] b) {
        return LE.i64(b, 0);
    }

    /** Decodes a verified page of snapshot {@code snapshotId} into {@code out}. */
    public static void decode(byte[] b, long blockNo, long snapshotId, long dataStart, long totalBlocks,
            List<Inode> out) {
        int count = LE.i32(b, 8);
        long next = LE.i64(b, 0);
        String what = "snapshot file-table page";
        if (LE.i64(b, 16) != snapshotId) {
            throw new CorruptImageException(blockNo, what, "belongs to snapshot " + LE.i64(b, 16)
                    + ", reached from snapshot " + snapshotId);
        }
        if (count < 1 || count > perPage(b.length)) {
            throw new CorruptImageException(blockNo, what, "record count " + count);
        }
        if (next != 0 && (next < dataStart || next >= totalBlocks)) {
            throw new CorruptImageException(blockNo, what, "next page " + next + " is outside the data region");
        }
        int off = HEADER;
        for (int i = 0; i < count; i++, off += InodeLayout.SIZE) {
            long number = LE.i64(b, off + 8);
            Inode ino = InodeCodec.decode(b, off, number, blockNo);
            if (ino == null || number < 1) {
                throw new CorruptImageException(blockNo, what, "record " + i + " is empty");
            }
            ino.snapshot = snapshotId;
            out.add(ino);
        }
    }
}
