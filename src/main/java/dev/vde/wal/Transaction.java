package dev.vde.wal;

import dev.vde.alloc.Allocator;
import dev.vde.alloc.RefCountTable;
import dev.vde.alloc.Run;
import dev.vde.alloc.RunList;
import dev.vde.btree.BTree;
import dev.vde.btree.Node;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.btree.NodeStore;
import dev.vde.format.BlockTrailer;
import dev.vde.format.CatalogRoot;
import dev.vde.format.CatalogRootCodec;
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
    private CatalogRoot catalog;
    private RefCountTable refs;
    private boolean catalogChanged;

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
        return !dirty.isEmpty() || allocator.hasPendingFrees() || catalogChanged;
    }

    /** The snapshot catalog root as this transaction sees it (an empty one before the first snapshot). */
    public CatalogRoot catalog() {
        if (catalog == null) {
            catalog = sb.catalogBlock == 0 ? new CatalogRoot()
                    : CatalogRootCodec.decode(read(sb.catalogBlock, Tag.SNAP), sb.catalogBlock, sb);
        }
        return catalog;
    }

    /** Marks the catalog root for writing at commit. */
    public void catalogChanged() {
        catalog();
        catalogChanged = true;
    }

    /** The ref-count table of this transaction: counts above 1 by ranges of physical blocks. */
    public RefCountTable refCounts() {
        if (refs == null) {
            CatalogRoot c = catalog();
            refs = new RefCountTable(new BTree(new NodeCodec(NodeLayout.REFCOUNTS, sb.blockSize), this,
                    REFCOUNT_OWNER, c.refRoot, c.refHeight), this, allocator::firstFree);
        }
        return refs;
    }

    /** True when every allocated block has count 1: no catalog yet, or an empty table. */
    private boolean countsAllOne() {
        return sb.catalogBlock == 0 && refs == null || refCounts().isEmpty();
    }

    /** Runs from which {@link #releaseAll} rebuilds the ref-count table instead of adjusting it. */
    static final int BULK_RUNS = 64;

    /** Owner recorded in ref-count tree nodes. */
    public static final long REFCOUNT_OWNER = 0;

    /**
     * Drops one reference from every block of a data run: blocks whose count reaches 0 are freed
     * at commit, blocks a snapshot still holds stay. Without snapshots every count is 1 and this
     * is a plain free.
     */
    public void release(long start, long count) {
        if (countsAllOne()) {
            allocator.free(start, count);
            return;
        }
        for (Run r : refs.decrement(start, count)) {
            allocator.free(r.start(), r.length());
        }
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

    /**
     * As {@link #release} for many sorted, disjoint runs. Past {@link #BULK_RUNS} runs the table
     * is merged and rebuilt in one pass (O(runs + entries)); below it, removing a small file
     * adjusts only the entries it touches instead of rewriting a table of a million ranges.
     */
    public void releaseAll(RunList runs) {
        if (countsAllOne() || runs.size() < BULK_RUNS) {
            for (int i = 0; i < runs.size(); i++) {
                release(runs.start(i), runs.length(i));
            }
            return;
        }
        RunList freed = refs.applyBulk(runs, -1);
        for (int i = 0; i < freed.size(); i++) {
            allocator.free(freed.start(i), freed.length(i));
        }
    }

    /** {@code n} blocks for new metadata pages, contiguous where the free space allows. */
    public long[] allocatePages(int n) {
        long[] out = new long[n];
        int got = 0;
        while (got < n) {
            Run r = allocator.allocate(nodeHint, n - got);
            for (long b = r.start(); b < r.end(); b++) {
                out[got++] = b;
            }
            nodeHint = r.end();
        }
        return out;
    }

    @Override
    public void free(long block) {
        dirty.remove(block);
        allocator.free(block, 1);
    }

    /** Makes every change of this transaction durable and atomic. */
    public void commit(Journal journal) throws IOException {
        if (refs != null && (refs.tree().root() != catalog.refRoot || refs.tree().height() != catalog.refHeight)) {
            catalog.refRoot = refs.tree().root();
            catalog.refHeight = refs.tree().height();
            catalogChanged = true;
        }
        if (catalogChanged) {
            sb.catalogBlock = sb.snapStart;
            seal(sb.snapStart, CatalogRootCodec.encode(catalog, sb.blockSize), Tag.SNAP);
        }
        allocator.applyPendingFrees();
        allocator.flush();
        sb.txid = txid;
        TreeMap<Long, byte[]> images = new TreeMap<>(dirty);
        images.put((long) Superblock.slotFor(txid), SuperblockCodec.encode(sb));
        journal.commit(txid, images, allocator::scratch);
    }
}
