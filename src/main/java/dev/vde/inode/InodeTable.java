package dev.vde.inode;

import dev.vde.error.NoSpaceException;
import dev.vde.format.InodeLayout;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.wal.Transaction;
import java.util.function.Consumer;

/**
 * The inode table: a fixed region of INOD blocks. Blocks holding inodes at or above the
 * superblock's {@code inodeHighWater} were never written (the region stays sparse).
 */
public final class InodeTable {
    private final Transaction tx;
    private final Superblock sb;
    private final int perBlock;

    public InodeTable(Transaction tx) {
        this.tx = tx;
        this.sb = tx.superblock();
        this.perBlock = sb.inodesPerBlock();
    }

    private long blockOf(long n) {
        return sb.inodeStart + (n - 1) / perBlock;
    }

    private int offsetOf(long n) {
        return (int) ((n - 1) % perBlock) * InodeLayout.SIZE;
    }

    /** The inode, or null if {@code n} is free or was never allocated. */
    public Inode get(long n) {
        if (n < 1 || n >= sb.inodeHighWater) {
            return null;
        }
        long block = blockOf(n);
        return InodeCodec.decode(tx.read(block, Tag.INOD), offsetOf(n), n, block);
    }

    public void put(Inode ino) {
        long block = blockOf(ino.number);
        byte[] b = tx.readCopy(block, Tag.INOD);
        InodeCodec.encode(ino, b, offsetOf(ino.number));
        tx.seal(block, b, Tag.INOD);
    }

    /** A new, empty inode with the lowest free number; not yet stored. */
    public Inode allocate(String name) {
        long n = sb.nextInodeHint;
        while (n < sb.inodeHighWater && get(n) != null) {
            n++;
        }
        if (n >= sb.inodeHighWater) {
            if (n > sb.inodeCount) {
                throw new NoSpaceException("no free inode: the image was formatted for " + sb.inodeCount + " files");
            }
            raiseHighWater(n);
        }
        sb.nextInodeHint = n + 1;
        return fresh(n, name);
    }

    /**
     * A new, empty inode with number {@code n}, which must be free; not yet stored. A replica
     * keeps its source's inode numbers, so {@code apply} creates files at given numbers.
     *
     * @throws NoSpaceException if {@code n} lies beyond the inodes the image was formatted for
     */
    public Inode allocateAt(long n, String name) {
        if (n < 1 || n > sb.inodeCount) {
            throw new NoSpaceException("no inode " + n + ": the image was formatted for " + sb.inodeCount + " files");
        }
        if (get(n) != null) {
            throw new IllegalStateException("inode " + n + " is in use");
        }
        if (n >= sb.inodeHighWater) {
            raiseHighWater(n);
        }
        return fresh(n, name);
    }

    /** Makes inodes up to {@code n} usable: blocks wholly above the old mark were never written, each gets an empty page. */
    private void raiseHighWater(long n) {
        long firstFresh = (sb.inodeHighWater - 1) % perBlock == 0 ? blockOf(sb.inodeHighWater)
                : blockOf(sb.inodeHighWater) + 1;
        for (long block = firstFresh; block <= blockOf(n); block++) {
            tx.seal(block, new byte[sb.blockSize], Tag.INOD);
        }
        sb.inodeHighWater = n + 1;
    }

    /** An empty file numbered {@code n}, made by this transaction. */
    private Inode fresh(long n, String name) {
        Inode ino = new Inode();
        ino.number = n;
        ino.name = name;
        ino.createTxid = tx.txid();
        ino.modifyTxid = tx.txid();
        ino.mtimeMillis = System.currentTimeMillis();
        ino.digest = FileDigest.EMPTY;
        return ino;
    }

    public void free(long n) {
        long block = blockOf(n);
        byte[] b = tx.readCopy(block, Tag.INOD);
        InodeCodec.clear(b, offsetOf(n));
        tx.seal(block, b, Tag.INOD);
        sb.nextInodeHint = Math.min(sb.nextInodeHint, n);
    }

    /** Every inode in use, in number order. */
    public void forEach(Consumer<Inode> action) {
        for (long first = 1; first < sb.inodeHighWater; first += perBlock) {
            long block = blockOf(first);
            byte[] b = tx.read(block, Tag.INOD);
            long last = Math.min(sb.inodeHighWater, first + perBlock);
            for (long n = first; n < last; n++) {
                Inode ino = InodeCodec.decode(b, offsetOf(n), n, block);
                if (ino != null) {
                    action.accept(ino);
                }
            }
        }
    }
}
