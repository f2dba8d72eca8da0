package dev.vde.wal;

import dev.vde.format.Checksums;
import dev.vde.format.CorruptImageException;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.io.BlockDevice;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.IntFunction;

/**
 * Atomic commits through a physical redo log.
 *
 * <p>A transaction's changed metadata blocks (sealed images, the new superblock among them) are
 * written to log slots with descriptors saying where each belongs, the device is synced, and the
 * header block is rewritten: that write is the commit point. The images are then copied home,
 * the device is synced, the superblock (last) is written home and synced. A superblock whose
 * txid equals the header's means the log has been fully applied.
 *
 * <p>The WAL region's slots are used first; a larger transaction continues into scratch blocks,
 * blocks free in both the committed state and the new one, so no transaction is limited by the
 * region's size and a full log never blocks. The log is never discarded before its images are
 * home: the next transaction starts only after the superblock marks this one applied.
 *
 * <p>File data is not logged: it goes to newly allocated blocks before the commit, and the sync
 * before the header write makes it durable.
 */
public final class Journal {
    private final BlockDevice device;
    private final long walStart;
    private final long walBlocks;
    private final int blockSize;

    public Journal(BlockDevice device, long walStart, long walBlocks) {
        this.device = device;
        this.walStart = walStart;
        this.walBlocks = walBlocks;
        this.blockSize = device.blockSize();
    }

    /** Log slots in the WAL region (all but the header). */
    public long regionSlots() {
        return walBlocks - 1;
    }

    /** Writes the empty header of a new image. */
    public void initialize() throws IOException {
        device.write(walStart, WalCodec.encodeHeader(new WalCodec.Header(0, 0, 0, 0), blockSize), 0);
    }

    /**
     * Commits {@code images} (home block to sealed image) as transaction {@code txid}.
     * Superblock images (homes 0 and 1) are written home last.
     *
     * @param scratch supplies extra log blocks when the region is too small
     */
    public void commit(long txid, SortedMap<Long, byte[]> images, IntFunction<long[]> scratch) throws IOException {
        int per = WalCodec.descriptorCapacity(blockSize);
        int count = images.size();
        int descriptors = (int) WalCodec.descriptorsFor(count, blockSize);
        int total = count + descriptors;
        long[] slots = new long[total];
        int inRegion = (int) Math.min(total, regionSlots());
        for (int i = 0; i < inRegion; i++) {
            slots[i] = walStart + 1 + i;
        }
        if (total > inRegion) {
            long[] extra = scratch.apply(total - inRegion);
            System.arraycopy(extra, 0, slots, inRegion, extra.length);
        }
        List<WalCodec.Entry> entries = new ArrayList<>(count);
        int next = descriptors;
        for (Map.Entry<Long, byte[]> e : images.entrySet()) {
            byte[] image = e.getValue();
            long slot = slots[next++];
            device.write(slot, image, 0);
            entries.add(new WalCodec.Entry(e.getKey(), slot, Checksums.xx(image, 0, image.length)));
        }
        for (int d = 0; d < descriptors; d++) {
            List<WalCodec.Entry> part = entries.subList(d * per, Math.min(count, (d + 1) * per));
            long nextDescriptor = d + 1 < descriptors ? slots[d + 1] : 0;
            device.write(slots[d], WalCodec.encodeDescriptor(
                    new WalCodec.Descriptor(txid, nextDescriptor, part.toArray(new WalCodec.Entry[0])), blockSize), 0);
        }
        for (long home : images.keySet()) {
            if (home > 1) { // the superblock slots were written by format
                device.reserve(home);
            }
        }
        device.sync();
        device.write(walStart, WalCodec.encodeHeader(
                new WalCodec.Header(txid, count, descriptors > 0 ? slots[0] : 0, descriptors), blockSize), 0);
        device.sync();
        checkpoint(images);
    }

    private void checkpoint(Map<Long, byte[]> images) throws IOException {
        for (Map.Entry<Long, byte[]> e : images.entrySet()) {
            if (e.getKey() > 1) {
                device.write(e.getKey(), e.getValue(), 0);
            }
        }
        device.sync();
        for (Map.Entry<Long, byte[]> e : images.entrySet()) {
            if (e.getKey() <= 1) {
                device.write(e.getKey(), e.getValue(), 0);
            }
        }
        device.sync();
    }

    /** What the log holds beyond the superblock's state. */
    public static final class Pending {
        public final long txid;
        /** Home block to the log block holding its committed image. */
        public final Map<Long, Long> homeToLog;

        Pending(long txid, Map<Long, Long> homeToLog) {
            this.txid = txid;
            this.homeToLog = homeToLog;
        }
    }

    /** The header, or null if it cannot be read (a torn header means nothing was committed by it). */
    public WalCodec.Header header() throws IOException {
        byte[] b = new byte[blockSize];
        device.read(walStart, b, 0);
        try {
            return WalCodec.decodeHeader(b, walStart);
        } catch (CorruptImageException e) {
            return null;
        }
    }

    /**
     * Finds a committed transaction newer than {@code superblockTxid} and verifies every image of
     * it; returns null when the log holds nothing to replay.
     *
     * @throws CorruptImageException if a committed log cannot be read back intact
     */
    public Pending recover(long superblockTxid) throws IOException {
        WalCodec.Header h = header();
        if (h == null) {
            // The header is torn (the power went at the commit point) or damaged. The log it
            // would have committed was synced before it: if that log is complete and every
            // image verifies, it is replayed. After a crash that is the "after" outcome, which
            // atomicity allows; after damage it is the state the lost header recorded.
            WalCodec.Header guessed = headerFromLog(superblockTxid + 1);
            if (guessed == null) {
                return null;
            }
            try {
                return recover(guessed, superblockTxid);
            } catch (CorruptImageException e) {
                return null;
            }
        }
        if (h.txid() <= superblockTxid) {
            return null;
        }
        return recover(h, superblockTxid);
    }

    /** The header a complete log of transaction {@code txid} in the WAL region implies, or null. */
    private WalCodec.Header headerFromLog(long txid) throws IOException {
        byte[] buf = new byte[blockSize];
        java.util.Set<Long> seen = new java.util.HashSet<>();
        long first = walStart + 1;
        long d = first;
        long images = 0;
        while (d != 0) {
            if (d < 0 || d >= device.blockCount() || !seen.add(d)) {
                return null;
            }
            device.read(d, buf, 0);
            WalCodec.Descriptor desc;
            try {
                desc = WalCodec.decodeDescriptor(buf, d);
            } catch (CorruptImageException e) {
                return null;
            }
            if (desc.txid() != txid) {
                return null;
            }
            images += desc.entries().length;
            d = desc.next();
        }
        return images == 0 ? null : new WalCodec.Header(txid, images, first, seen.size());
    }

    private Pending recover(WalCodec.Header h, long superblockTxid) throws IOException {
        if (h.txid() != superblockTxid + 1) {
            throw new CorruptImageException(walStart, "WAL header", "committed txid " + h.txid()
                    + " does not follow the superblock's txid " + superblockTxid);
        }
        return new Pending(h.txid(), readLog(h));
    }

    /**
     * Follows the descriptor chain of the transaction {@code h} names and verifies every image,
     * and that the log carries that transaction's superblock.
     *
     * @return home block to the log block holding its image
     * @throws CorruptImageException if anything of the log is missing or damaged
     */
    private Map<Long, Long> readLog(WalCodec.Header h) throws IOException {
        if (h.imageCount() > device.blockCount()
                || h.descriptorCount() != WalCodec.descriptorsFor(h.imageCount(), blockSize)) {
            throw new CorruptImageException(walStart, "WAL header", h.imageCount() + " images in "
                    + h.descriptorCount() + " descriptors do not fit the log");
        }
        Map<Long, Long> homeToLog = new HashMap<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        byte[] buf = new byte[blockSize];
        long d = h.firstDescriptor();
        for (long i = 0; i < h.descriptorCount(); i++) {
            checkBlock(d, "descriptor " + i);
            if (!seen.add(d)) {
                throw new CorruptImageException(d, "WAL descriptor", "the descriptor chain loops back to block " + d);
            }
            device.read(d, buf, 0);
            WalCodec.Descriptor desc = WalCodec.decodeDescriptor(buf, d);
            if (desc.txid() != h.txid()) {
                throw new CorruptImageException(d, "WAL descriptor", "txid " + desc.txid() + ", expected " + h.txid());
            }
            for (WalCodec.Entry e : desc.entries()) {
                checkBlock(e.home(), "image home");
                if (e.home() >= walStart && e.home() < walStart + walBlocks) {
                    throw new CorruptImageException(d, "WAL descriptor", "image targets block " + e.home()
                            + " inside the log region");
                }
                checkBlock(e.logBlock(), "image");
                device.read(e.logBlock(), buf, 0);
                if (Checksums.xx(buf, 0, blockSize) != e.checksum()) {
                    throw new CorruptImageException(e.logBlock(), "WAL image", "image for block " + e.home()
                            + " of committed transaction " + h.txid() + " fails its checksum");
                }
                homeToLog.put(e.home(), e.logBlock());
            }
            d = desc.next();
            if ((d == 0) != (i == h.descriptorCount() - 1)) {
                throw new CorruptImageException(walStart, "WAL", "descriptor chain of " + h.descriptorCount()
                        + " blocks ends after " + (i + 1));
            }
        }
        if (homeToLog.size() != h.imageCount()) {
            throw new CorruptImageException(walStart, "WAL header", "header counts " + h.imageCount()
                    + " images, descriptors list " + homeToLog.size());
        }
        Long superblock = homeToLog.get(h.txid() & 1);
        if (superblock == null) {
            throw new CorruptImageException(walStart, "WAL", "committed transaction " + h.txid()
                    + " carries no superblock");
        }
        device.read(superblock, buf, 0);
        if (SuperblockCodec.decode(buf, superblock).txid != h.txid()) {
            throw new CorruptImageException(superblock, "WAL image", "the logged superblock is not that of transaction "
                    + h.txid());
        }
        return homeToLog;
    }

    private void checkBlock(long b, String what) {
        if (b < 0 || b >= device.blockCount()) {
            throw new CorruptImageException(walStart, "WAL", what + " at block " + b + " outside the image");
        }
    }

    /**
     * The superblock of the last committed transaction as the log still holds it (until the next
     * commit overwrites the log), for when both superblock copies are unreadable; null if the log
     * cannot give it. The log region starts at block 2 in every v1 image.
     */
    public static Superblock superblockFromLog(BlockDevice device) throws IOException {
        if (device.blockCount() < 3) {
            return null;
        }
        // Only the header's position is known here; the log's own checks do the rest.
        Journal log = new Journal(device, 2, 1);
        WalCodec.Header h = log.header();
        if (h == null) {
            return null;
        }
        try {
            long slot = log.readLog(h).get(h.txid() & 1);
            byte[] b = new byte[device.blockSize()];
            device.read(slot, b, 0);
            Superblock s = SuperblockCodec.decode(b, slot);
            return s.walStart == 2 ? s : null;
        } catch (CorruptImageException e) {
            return null;
        }
    }

    /** Copies a recovered transaction home, superblock last, then makes sure the header is readable. */
    public void replay(Pending p) throws IOException {
        SortedMap<Long, byte[]> images = new java.util.TreeMap<>();
        for (Map.Entry<Long, Long> e : p.homeToLog.entrySet()) {
            byte[] b = new byte[blockSize];
            device.read(e.getValue(), b, 0);
            images.put(e.getKey(), b);
        }
        checkpoint(images);
        if (header() == null) {
            device.write(walStart, WalCodec.encodeHeader(new WalCodec.Header(p.txid, p.homeToLog.size(), walStart + 1,
                    WalCodec.descriptorsFor(p.homeToLog.size(), blockSize)), blockSize), 0);
            device.sync();
        }
    }
}
