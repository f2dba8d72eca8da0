package dev.vde.wal;

import dev.vde.alloc.Allocator;
import dev.vde.btree.Node;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeStore;
import dev.vde.format.BlockTrailer;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.format.Tag;
import dev.vde.io.BlockDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metadata view of one transaction: reads see this transaction's changes first, then a log
 * that a read-only open could not replay, then the device; every block read from outside the
 * transaction is verified (tag and checksum). Changed blocks stay in memory until
 * {@link #commit}.
 */
public final class Transaction implements NodeStore, Allocator.Pages {
    private final BlockDevice device;
    private final Superblock sb;
    private final long txid;
    private final Map<Long, byte[]> dirty = new HashMap<>();
    private final Map<Long, Long> overlay;
    private final Allocator allocator;
    private long nodeHint;

    /**
     * @param committed the committed superblock; this transaction works on a copy of it
     * @param overlay   home block to log block, for a log that could not be replayed, or empty
     */
    public Transaction(BlockDevice device, Superblock committed, Map<Long, Long> overlay) {
        this.device = device;
        this.sb = committed.clone();
        this.txid = committed.txid + 1;
        this.overlay = overlay;
        this.allocator = new Allocator(sb, this);
        this.nodeHint = sb.dataStart;
    }

    /** The superblock as this transaction will commit it. */
    public Superblock superblock() {
        return sb;
    }

    @Override
    public long txid() {
        return txid;
    }

    public Allocator allocator() {
        return allocator;
    }

    public BlockDevice device() {
        return device;
    }

    public int blockSize() {
        return sb.blockSize;
    }

    public boolean isDirty() {
        return !dirty.isEmpty() || allocator.hasPendingFrees();
    }

    /**
     * The current content of a metadata block, verified. The array must not be modified; use
     * {@link #readCopy} to change it.
     */
    @Override
    public byte[] read(long block, Tag tag) {
        byte[] d = dirty.get(block);
        if (d != null) {
            return d;
        }
        byte[] b = new byte[sb.blockSize];
        try {
            Long logged = overlay.get(block);
            device.read(logged != null ? logged : block, b, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        BlockTrailer.verify(b, block, tag);
        BlockTrailer.verifyNotNewer(b, block, tag, sb.txid);
        return b;
    }

    public byte[] readCopy(long block, Tag tag) {
        return read(block, tag).clone();
    }

    /** Stores a sealed block image as part of this transaction. */
    @Override
    public void write(long block, byte[] sealed) {
        if (block < 2 || block >= sb.totalBlocks || sealed.length != sb.blockSize) {
            throw new IllegalArgumentException("metadata write to block " + block);
        }
        dirty.put(block, sealed);
    }

    /** Seals {@code content} with {@code tag} and this txid, and stores it. */
    public void seal(long block, byte[] content, Tag tag) {
        BlockTrailer.seal(content, tag, txid);
        write(block, content);
    }

    @Override
    public Node load(long block, NodeCodec codec) {
        return codec.decode(read(block, codec.layout().tag()), block, sb.dataStart, sb.totalBlocks);
    }

    @Override
    public void save(Node node, NodeCodec codec) {
        byte[] b = new byte[sb.blockSize];
        codec.encode(node, b, txid);
        write(node.block, b);
    }

    @Override
    public long allocate() {
        long b = allocator.allocateOne(nodeHint);
        nodeHint = b + 1;
        return b;
    }

    @Override
    public void free(long block) {
        dirty.remove(block);
        allocator.free(block, 1);
    }

    /** Makes every change of this transaction durable and atomic. */
    public void commit(Journal journal) throws IOException {
        allocator.applyPendingFrees();
        allocator.flush();
        sb.txid = txid;
        TreeMap<Long, byte[]> images = new TreeMap<>(dirty);
        images.put((long) Superblock.slotFor(txid), SuperblockCodec.encode(sb));
        journal.commit(txid, images, allocator::scratch);
    }
}
