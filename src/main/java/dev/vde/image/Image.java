package dev.vde.image;

import dev.vde.error.ConflictException;
import dev.vde.error.ImageLockedException;
import dev.vde.error.NoSpaceException;
import dev.vde.error.NotFoundException;
import dev.vde.alloc.RefCountTable;
import dev.vde.delta.ApplyStats;
import dev.vde.delta.CorruptDeltaException;
import dev.vde.delta.DeltaHeader;
import dev.vde.delta.DeltaReader;
import dev.vde.delta.DeltaSource;
import dev.vde.delta.DeltaValidator;
import dev.vde.delta.DiffPlanner;
import dev.vde.delta.DiffStats;
import dev.vde.delta.DiffVisitor;
import dev.vde.snapshot.SnapshotRecord;
import dev.vde.btree.BTree;
import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.Geometry;
import dev.vde.format.Superblock;
import dev.vde.format.SuperblockCodec;
import dev.vde.format.Tag;
import dev.vde.format.UnsupportedFormatException;
import dev.vde.inode.FileDigest;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.io.BlockDevice;
import dev.vde.io.ChunkedMappedDevice;
import dev.vde.io.Progress;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import dev.vde.wal.WalCodec;
import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An open image: the one entry point of the engine. Every mutating call is one transaction,
 * committed atomically before it returns; a failed call leaves the image at its last commit.
 * Mutating opens hold an exclusive lock on the file, read-only opens a shared one.
 */
public final class Image implements Closeable {
    private final BlockDevice dev;
    private final boolean writable;
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final Journal journal;
    private final Map<Long, Long> overlay;
    private Superblock committed;
    private Transaction tx;
    private Namespace ns;
    private boolean broken;

    private Image(BlockDevice dev, boolean writable, Path path, FileChannel channel, FileLock lock) throws IOException {
        this.dev = dev;
        this.writable = writable;
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        Superblock sb = readSuperblock(dev);
        this.journal = new Journal(dev, sb.walStart, sb.walBlocks);
        Journal.Pending pending = journal.recover(sb.txid);
        if (pending != null && writable) {
            journal.replay(pending);
            sb = readSuperblock(dev);
            this.overlay = Map.of();
        } else if (pending != null) {
            // A reader must not write: it sees the committed log through an overlay instead.
            this.overlay = pending.homeToLog;
            long slot = pending.homeToLog.get((long) Superblock.slotFor(pending.txid));
            byte[] b = new byte[dev.blockSize()];
            dev.read(slot, b, 0);
            sb = SuperblockCodec.decode(b, slot);
        } else {
            this.overlay = Map.of();
        }
        if (writable && sb.writeVersion > Superblock.FORMAT_VERSION) {
            throw new UnsupportedFormatException("image can only be changed by a writer of format version "
                    + sb.writeVersion + "; this vde writes version " + Superblock.FORMAT_VERSION + " (read-only commands work)");
        }
        if (sb.totalBlocks > dev.blockCount()) {
            throw new CorruptImageException("image is truncated: it has " + dev.blockCount() + " blocks, the superblock says "
                    + sb.totalBlocks);
        }
        this.committed = sb;
        begin();
    }

    /** Starts the next transaction on the committed state. */
    private void begin() {
        tx = new Transaction(dev, committed, overlay);
        ns = new Namespace(tx);
    }

    // ---- creating and opening ----

    /** Formats {@code dev} as an empty image using the whole device. */
    public static void format(BlockDevice dev, long inodes) throws IOException {
        Formatter.format(dev, Geometry.layout(dev.blockCount() * dev.blockSize(), dev.blockSize(), inodes));
    }

    /** Opens an image on a device (tests). */
    public static Image open(BlockDevice dev, boolean writable) throws IOException {
        return new Image(dev, writable, null, null, null);
    }

    public static Image open(Path path, boolean writable) throws IOException {
        return open(path, writable, ChunkedMappedDevice.DEFAULT_CHUNK_SHIFT);
    }

    /**
     * Opens an image file, mapping it in chunks of {@code 2^chunkShift} bytes.
     *
     * @throws ImageLockedException if another process holds a conflicting lock
     * @throws NotFoundException if the file does not exist
     */
    public static Image open(Path path, boolean writable, int chunkShift) throws IOException {
        return open(path, writable, chunkShift, Duration.ZERO);
    }

    /**
     * Opens an image file, waiting up to {@code wait} for another process to let go of it.
     *
     * @throws ImageLockedException if another process still holds a conflicting lock after {@code wait}
     */
    public static Image open(Path path, boolean writable, Duration wait) throws IOException {
        return open(path, writable, ChunkedMappedDevice.DEFAULT_CHUNK_SHIFT, wait);
    }

    private static Image open(Path path, boolean writable, int chunkShift, Duration wait) throws IOException {
        RawImage raw = openRaw(path, writable, chunkShift, wait);
        try {
            return new Image(raw.device, writable, path, raw.channel, raw.lock);
        } catch (RuntimeException | IOException | Error e) {
            raw.close();
            throw e;
        }
    }

    /** An image file opened and locked as a device, without reading its structures (for fsck). */
    public static final class RawImage implements Closeable {
        public final BlockDevice device;
        private final FileChannel channel;
        private final FileLock lock;

        RawImage(BlockDevice device, FileChannel channel, FileLock lock) {
            this.device = device;
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try {
                device.close();
            } finally {
                if (lock.isValid()) {
                    lock.release();
                }
                channel.close();
            }
        }
    }

    /**
     * Opens and locks an image file as a device of its block size, found from whichever
     * superblock copy verifies (or claims one). Nothing else is read.
     */
    public static RawImage openRaw(Path path, boolean writable) throws IOException {
        return openRaw(path, writable, Duration.ZERO);
    }

    /** As {@link #openRaw(Path, boolean)}, waiting up to {@code wait} for the lock. */
    public static RawImage openRaw(Path path, boolean writable, Duration wait) throws IOException {
        return openRaw(path, writable, ChunkedMappedDevice.DEFAULT_CHUNK_SHIFT, wait);
    }

    private static RawImage openRaw(Path path, boolean writable, int chunkShift, Duration wait) throws IOException {
        if (Files.isDirectory(path)) {
            throw new FileSystemException(path.toString(), null, "is a directory, not an image file");
        }
        FileChannel ch;
        try {
            ch = writable ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("image " + path + " does not exist");
        }
        try {
            FileLock lock = lock(ch, path, !writable, wait);
            int bs = probeBlockSize(ch, path);
            return new RawImage(new ChunkedMappedDevice(path, ch, writable, bs, ch.size() / bs, chunkShift), ch, lock);
        } catch (RuntimeException | IOException | Error e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Takes the image's lock: shared to read, exclusive to change. While another process holds a
     * conflicting one, retries with a pause growing to {@link #LOCK_POLL_MAX_MILLIS} until
     * {@code wait} runs out. Polling rather than a blocking lock, so that a timeout needs no
     * second thread; the pause bounds how late a waiter notices the image is free.
     */
    private static FileLock lock(FileChannel ch, Path path, boolean shared, Duration wait) throws IOException {
        FileLock lock = tryLock(ch, shared);
        if (lock == null && !wait.isZero()) {
            long start = System.nanoTime();
            long budget = wait.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE : wait.toNanos();
            long pause = 1;
            while (lock == null && System.nanoTime() - start < budget) {
                long left = TimeUnit.NANOSECONDS.toMillis(budget - (System.nanoTime() - start));
                try {
                    Thread.sleep(Math.max(1, Math.min(pause, left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the lock on " + path);
                }
                pause = Math.min(pause * 2, LOCK_POLL_MAX_MILLIS);
                lock = tryLock(ch, shared);
            }
        }
        if (lock == null) {
            throw new ImageLockedException(wait.isZero()
                    ? "image " + path + " is locked by another process (--wait waits for it)"
                    : "image " + path + " is still locked by another process after "
                            + (wait.toMillis() % 1000 == 0 ? String.valueOf(wait.toSeconds()) : String.valueOf(wait.toMillis() / 1000.0))
                            + " s");
        }
        return lock;
    }

    private static final long LOCK_POLL_MAX_MILLIS = 50;

    private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
        try {
            return ch.tryLock(0, Long.MAX_VALUE, shared);
        } catch (OverlappingFileLockException e) {
            return null; // this JVM holds it (tests open one image twice): as busy as another process
        }
    }

    /**
     * Finds the block size: from a superblock copy that verifies (A, else B at each possible
     * size), so that a damaged size field in A cannot hide an intact B; failing that, from
     * whatever copy claims one, and the open then reports what is wrong with it.
     */
    private static int probeBlockSize(FileChannel ch, Path path) throws IOException {
        long size = ch.size();
        if (size < SuperblockCodec.MIN_BLOCK_SIZE) {
            throw new CorruptImageException(path + " is " + size + " bytes long: not a vde image");
        }
        int claimedByA = claimedAt(ch, 0);
        if (claimedByA > 0 && verifiedCopyAt(ch, 0, claimedByA)) {
            return claimedByA;
        }
        int claimedByB = -1;
        for (int bs = SuperblockCodec.MIN_BLOCK_SIZE; bs <= SuperblockCodec.MAX_BLOCK_SIZE; bs <<= 1) {
            if (size >= 2L * bs && claimedAt(ch, bs) == bs) {
                if (verifiedCopyAt(ch, bs, bs)) {
                    return bs;
                }
                claimedByB = bs;
            }
        }
        if (claimedByA > 0 || claimedByB > 0) {
            return claimedByA > 0 ? claimedByA : claimedByB;
        }
        throw new CorruptImageException(path + " is not a vde image: no superblock found");
    }

    private static int claimedAt(FileChannel ch, long offset) throws IOException {
        byte[] head = new byte[64];
        ch.read(ByteBuffer.wrap(head), offset);
        return SuperblockCodec.claimedBlockSize(head);
    }

    private static boolean verifiedCopyAt(FileChannel ch, long offset, int blockSize) throws IOException {
        if (ch.size() < offset + blockSize) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(blockSize);
        while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
            // read the whole copy
        }
        return BlockTrailer.isValid(b.array(), Tag.SUPB);
    }

    /**
     * Creates a sparse image file.
     *
     * @throws ConflictException if the file exists and {@code force} is false
     * @throws NoSpaceException if the host file system cannot hold a file that large
     */
    public static void create(Path path, long size, int blockSize, long inodes, boolean force) throws IOException {
        Superblock sb = Geometry.layout(size, blockSize, inodes);
        boolean created = false;
        if (!force) {
            try {
                Files.createFile(path);
                created = true;
            } catch (FileAlreadyExistsException e) {
                throw new ConflictException(path + " already exists (use --force to overwrite it)");
            }
        }
        boolean done = false;
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            FileLock lock = lock(ch, path, false, Duration.ZERO);
            try {
                ch.truncate(0);
                raf.setLength(sb.totalBlocks * blockSize);
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).contains("File too large")) {
                    throw new NoSpaceException("the host file system cannot hold a file of " + size
                            + " bytes (File too large); ext4 limits files to 16 TiB minus 4 KiB, tmpfs and XFS do not");
                }
                throw e;
            }
            try (ChunkedMappedDevice dev = new ChunkedMappedDevice(path, ch, true, blockSize, sb.totalBlocks,
                    ChunkedMappedDevice.DEFAULT_CHUNK_SHIFT)) {
                Formatter.format(dev, sb);
            }
            lock.release();
            done = true;
        } finally {
            if (created && !done) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * The newest valid superblock copy, or, when both are unreadable, the one the log holds for
     * its last transaction. A valid copy that needs a newer reader stops the open, whichever copy
     * it is: a newer vde has written the image.
     */
    static Superblock readSuperblock(BlockDevice dev) throws IOException {
        Superblock best = null;
        List<String> problems = new ArrayList<>();
        for (long slot = 0; slot < 2 && slot < dev.blockCount(); slot++) {
            byte[] b = new byte[dev.blockSize()];
            dev.read(slot, b, 0);
            try {
                Superblock s = SuperblockCodec.decode(b, slot);
                if (best == null || s.txid > best.txid) {
                    best = s;
                }
            } catch (CorruptImageException e) {
                problems.add(e.getMessage());
            }
        }
        if (best == null) {
            // Both copies are lost; the log still holds the last commit's superblock.
            best = Journal.superblockFromLog(dev);
        }
        if (best == null) {
            throw new CorruptImageException("no valid superblock: " + String.join("; ", problems));
        }
        return best;
    }

    // ---- reading ----

    public boolean isWritable() {
        return writable;
    }

    public Path path() {
        return path;
    }

    public BlockDevice device() {
        return dev;
    }

    /** A copy of the committed superblock. */
    public Superblock superblock() {
        return committed.clone();
    }

    public ImageInfo info() throws IOException {
        Superblock s = committed;
        return new ImageInfo(path == null ? null : path.toString(), s.formatVersion, s.uuid, s.blockSize,
                s.totalBlocks, s.freeBlocks, s.totalBlocks - s.dataStart, s.fileCount, s.inodeCount, s.txid,
                s.createdMillis, s.totalBlocks * s.blockSize, s.walStart, s.walBlocks,
                s.bitmapStart, s.bitmapBlocks, s.inodeStart, s.inodeBlocks, s.snapStart, s.snapBlocks, s.dataStart,
                snapshotCount());
    }

    /** The number of snapshots, or -1 when the catalog cannot be read (info still reports the rest). */
    private long snapshotCount() {
        try {
            return reading(() -> tx.catalog().snapshotCount);
        } catch (CorruptImageException e) {
            return -1;
        }
    }

    /** Every live file, sorted by name. */
    public List<FileInfo> list() {
        return list(null);
    }

    /**
     * Every file of snapshot {@code snapshot} (null: the live files), sorted by name.
     *
     * @throws NotFoundException if there is no such snapshot
     */
    public List<FileInfo> list(String snapshot) {
        List<FileInfo> out = new ArrayList<>();
        reading(() -> {
            if (snapshot == null) {
                ns.inodes.forEach(ino -> out.add(infoOf(ino)));
            } else {
                ns.catalog.files(new Snapshots(ns).find(snapshot)).forEach(ino -> out.add(infoOf(ino)));
            }
            return null;
        });
        out.sort(Comparator.comparing(FileInfo::name));
        return out;
    }

    public FileInfo stat(String name) {
        return stat(name, null);
    }

    /** A file of snapshot {@code snapshot}, or a live file when it is null. */
    public FileInfo stat(String name, String snapshot) {
        return reading(() -> infoOf(file(name, snapshot)));
    }

    /**
     * The inode of file {@code name} in snapshot {@code snapshot}, or of the live file when it is null.
     *
     * @throws NotFoundException if there is no such snapshot or file
     */
    private Inode file(String name, String snapshot) {
        if (snapshot == null) {
            return ns.find(name);
        }
        Names.validate(name);
        for (Inode f : ns.catalog.files(new Snapshots(ns).find(snapshot))) {
            if (f.name.equals(name)) {
                return f;
            }
        }
        throw new NotFoundException("no file named '" + name + "' in snapshot '" + snapshot + "'");
    }

    /** Writes the whole file to {@code out}. */
    public void cat(String name, WritableByteChannel out) throws IOException {
        readRange(name, null, 0, Long.MAX_VALUE, out);
    }

    /** Writes the whole file of snapshot {@code snapshot} (null: live) to {@code out}. */
    public void cat(String name, String snapshot, WritableByteChannel out) throws IOException {
        readRange(name, snapshot, 0, Long.MAX_VALUE, out);
    }

    /** Writes bytes {@code [from, to)} of the file (clamped to its size) to {@code out}. */
    public void readRange(String name, long from, long to, WritableByteChannel out) throws IOException {
        readRange(name, null, from, to, out);
    }

    /** As {@link #readRange(String, long, long, WritableByteChannel)} for a file of a snapshot (null: live). */
    public void readRange(String name, String snapshot, long from, long to, WritableByteChannel out)
            throws IOException {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bad range [" + from + ", " + to + ")");
        }
        Inode ino = reading(() -> file(name, snapshot));
        try {
            FileData.copyRange(new FileExtents(tx, ino), dev, from, to, out);
        } catch (InternalError e) {
            throw mappedReadFault();
        }
    }

    /**
     * The file's content digest: the one kept in its inode, or, for an inode written without one
     * (older images), computed from its data.
     */
    public FileDigest digest(String name) throws IOException {
        return digest(name, null);
    }

    /** As {@link #digest(String)} for a file of a snapshot (null: live). */
    public FileDigest digest(String name, String snapshot) throws IOException {
        Inode ino = reading(() -> file(name, snapshot));
        return ino.digest != null ? ino.digest : FileData.digestOf(new FileExtents(tx, ino), dev);
    }

    /** The extent map of a file of a snapshot (null: live), for inspection. */
    public FileExtents extents(String name, String snapshot) {
        return reading(() -> new FileExtents(tx, file(name, snapshot)));
    }

    // ---- snapshots ----

    /** Every snapshot, oldest first. */
    public List<SnapshotInfo> snapshots() {
        return reading(() -> ns.catalog.list().stream().map(SnapshotInfo::of).toList());
    }

    /** @throws NotFoundException if there is no such snapshot */
    public SnapshotInfo snapshot(String name) {
        return reading(() -> SnapshotInfo.of(new Snapshots(ns).find(name)));
    }

    /** The frozen files of a snapshot, in inode order, for inspection (dump-tree, fsck). */
    public List<Inode> snapshotFiles(String name) {
        return reading(() -> ns.catalog.files(new Snapshots(ns).find(name)));
    }

    /**
     * Plans the change from snapshot {@code from} (null: from nothing, a full delta) to snapshot
     * {@code to}, from metadata alone; see {@link DiffPlanner}.
     *
     * @throws NotFoundException if a snapshot is missing
     * @throws IllegalArgumentException if {@code from} is not older than {@code to}
     */
    public DiffStats diff(String from, String to, DiffVisitor visitor) {
        return reading(() -> {
            Snapshots s = new Snapshots(ns);
            SnapshotRecord target = s.find(to);
            SnapshotRecord base = from == null ? null : s.find(from);
            // Local txids: the planner compares them with this image's inode txids.
            if (base != null && base.localTxid >= target.localTxid) {
                throw new IllegalArgumentException("snapshot '" + from + "' is not older than '" + to + "'");
            }
            return new DiffPlanner(tx).plan(base == null ? List.of() : ns.catalog.files(base),
                    base == null ? -1 : base.localTxid, ns.catalog.files(target), visitor);
        });
    }

    /**
     * Reads {@code count} data blocks from physical block {@code start} into {@code dst} (a heap
     * buffer, from its position; it must have room), for shipping what {@link #diff} names.
     */
    public void readBlocks(long start, int count, java.nio.ByteBuffer dst) throws IOException {
        checkUsable();
        Superblock s = committed;
        if (start < s.dataStart || count < 0 || start > s.totalBlocks - count) {
            throw new CorruptImageException("blocks [" + start + ", +" + count + ") lie outside the data region");
        }
        int bs = dev.blockSize();
        if (dst.remaining() < (long) count * bs) {
            throw new IllegalArgumentException(count + " blocks do not fit in " + dst.remaining() + " bytes");
        }
        for (int i = 0; i < count; i++) {
            dev.read(start + i, dst.array(), dst.arrayOffset() + dst.position());
            dst.position(dst.position() + bs);
        }
    }

    /** The ref-count table of the committed state, for inspection; do not change it. */
    public RefCountTable refCounts() {
        return reading(() -> tx.refCounts());
    }

    /**
     * Freezes every live file as snapshot {@code name}, in O(extents): no file data is read or copied.
     *
     * @throws ConflictException if a snapshot of that name exists
     */
    public SnapshotInfo createSnapshot(String name) throws IOException {
        return createSnapshot(name, Progress.NONE);
    }

    /** As {@link #createSnapshot(String)}, reporting the extents frozen to {@code progress}. */
    public SnapshotInfo createSnapshot(String name, Progress progress) throws IOException {
        return mutate(n -> SnapshotInfo.of(new Snapshots(n).create(name, progress)));
    }

    /**
     * Deletes a snapshot; blocks that nothing else holds are freed.
     *
     * @throws NotFoundException if there is no such snapshot
     */
    public void deleteSnapshot(String name) throws IOException {
        mutate(n -> {
            new Snapshots(n).delete(name);
            return null;
        });
    }

    /**
     * Makes the live files exactly those of snapshot {@code name}, as one transaction. The
     * snapshot itself stays.
     *
     * @throws NotFoundException if there is no such snapshot
     */
    public void rollback(String name) throws IOException {
        mutate(n -> {
            new Snapshots(n).rollback(name);
            return null;
        });
    }

    // ---- apply ----

    /**
     * Verifies a delta and applies it as one transaction, creating its snapshot with the source's
     * identity. Nothing is written until the whole stream has been read and checked (a first
     * pass: every checksum, the end record, the records' structure against the base's files);
     * the second pass applies it, re-verifying as it reads, and the transaction commits only if
     * the new snapshot's digest equals the delta's.
     *
     * @param force   roll the live files back to the base first (for a full delta: remove them)
     *                if they changed since it
     * @param dryRun  verify and report only; the image may be open read-only
     * @throws dev.vde.error.ConflictException if the delta does not fit this image: block size,
     *         base missing, live files changed since the base, snapshot already here
     * @throws CorruptDeltaException naming the record and offset if the stream is damaged or does
     *         not lead from its base to its snapshot
     */
    public ApplyReport apply(DeltaSource source, boolean force, boolean dryRun) throws IOException {
        checkUsable();
        if (!dryRun && !writable) {
            throw new IllegalStateException("image opened read-only");
        }
        long free = committed.freeBlocks;
        long inodeLimit = committed.inodeCount;
        DeltaHeader header;
        ApplyStats stats;
        long streamBytes;
        DeltaFit fit;
        try (ReadableByteChannel ch = source.open()) {
            DeltaReader r = new DeltaReader(ch, source.name());
            header = r.header();
            try {
                fit = reading(() -> DeltaFit.check(ns, header, force));
            } catch (ConflictException e) {
                // Named like a damaged delta: the header is what does not fit.
                throw new ConflictException(CorruptDeltaException.where(source.name(), 0, "header", 0) + ": "
                        + e.getMessage());
            }
            stats = new DeltaValidator(r, fit.baseFiles(), inodeLimit).run();
            streamBytes = r.position();
        }
        long needed = stats.dataBytes() / dev.blockSize();
        if (!fit.forced() && needed > free) {
            // The base holds every block the delta replaces, so nothing it does frees space:
            // refused now, before a block is written. (Rolled back first, live-only blocks free up.)
            throw new NoSpaceException(source.name() + ": the delta brings " + needed + " blocks of data; the image has "
                    + free + " free");
        }
        if (dryRun) {
            return new ApplyReport(header, stats, null, streamBytes, free, fit.forced());
        }
        try (ReadableByteChannel ch = source.open()) {
            DeltaReader r = new DeltaReader(ch, source.name());
            if (!r.header().equals(header)) {
                throw new CorruptDeltaException(source.name(), 0, "header", 0,
                        "the header changed between the verifying and the applying pass");
            }
            SnapshotRecord made = mutate(n -> {
                // The same image under the same lock: the same answer as in the first pass.
                DeltaFit again = DeltaFit.check(n, header, force);
                if (again.forced()) {
                    again.rollBack(n, header);
                }
                return new Receiver(n, header).run(new DeltaValidator(r, again.baseFiles(), inodeLimit));
            });
            return new ApplyReport(header, stats, SnapshotInfo.of(made), streamBytes, free, fit.forced());
        }
    }

    /** The extent map of a live file, for inspection. */
    public FileExtents extents(String name) {
        return extents(name, null);
    }

    /**
     * The extent map of the file with inode number {@code inode}, for inspection.
     *
     * @throws NotFoundException if that inode is free or was never allocated
     */
    public FileExtents extents(long inode) {
        return reading(() -> {
            Inode ino = ns.inodes.get(inode);
            if (ino == null) {
                throw new NotFoundException("no file with inode " + inode);
            }
            return new FileExtents(tx, ino);
        });
    }

    /** The name index of the committed state, for inspection (dump-tree); do not change it. */
    public BTree nameTree() {
        return reading(() -> ns.names.tree());
    }

    /** The write-ahead log header as stored, or null if it cannot be read. */
    public WalCodec.Header walHeader() throws IOException {
        checkUsable();
        return journal.header();
    }

    /**
     * True if the log holds a committed transaction that is not yet home: a read-only open sees
     * it through an overlay (a writable open replays it at once, so this is then false).
     */
    public boolean logPending() {
        return !overlay.isEmpty();
    }

    private static FileInfo infoOf(Inode ino) {
        return new FileInfo(ino.name, ino.number, ino.size, ino.extentCount, ino.allocatedBlocks, ino.modifyTxid,
                ino.mtimeMillis);
    }


    private <T> T reading(java.util.function.Supplier<T> body) {
        checkUsable();
        try {
            return body.get();
        } catch (InternalError e) {
            throw mappedReadFault();
        }
    }

    /**
     * What an {@code InternalError} from the mapping means. Nothing is written through the
     * mapping (see ChunkedMappedDevice), so it is a read that faulted: SIGBUS, which the JVM
     * turns into this error. Either the file is shorter than when it was mapped or the medium
     * failed (EIO) - a read error, status 7 - or, on tmpfs, a hole was touched while the host
     * file system is full, since tmpfs allocates a page for a hole read through a mapping.
     */
    private RuntimeException mappedReadFault() {
        if (path != null) {
            try {
                if (Files.getFileStore(path).getUsableSpace() < dev.blockSize()) {
                    return new NoSpaceException("no space left on the host file system (reading the mapped image "
                            + "needed a page)");
                }
            } catch (IOException e) {
                // cannot tell: report the read error
            }
        }
        return new CorruptImageException("read error in the mapped image (the file was truncated under vde, "
                + "or the medium failed)");
    }

    // ---- changing ----

    /**
     * Writes everything {@code in} yields into file {@code name} at byte {@code offset}, creating
     * the file if needed; with {@code truncate} the size is first set to {@code offset}.
     *
     * @return bytes written
     */
    public long write(String name, long offset, boolean truncate, ReadableByteChannel in) throws IOException {
        Names.validate(name);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        return mutate(n -> {
            Inode ino = n.lookup(name);
            if (ino == null) {
                ino = n.create(name);
            }
            FileExtents map = new FileExtents(n.tx, ino);
            FileData data = new FileData(n.tx);
            if (truncate) {
                data.truncate(map, offset);
            }
            long written = data.write(map, offset, in);
            touch(n, ino);
            return written;
        });
    }

    /** Sets the size of an existing file. */
    public void truncate(String name, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        mutate(n -> {
            Inode ino = n.find(name);
            new FileData(n.tx).truncate(new FileExtents(n.tx, ino), size);
            touch(n, ino);
            return null;
        });
    }

    /** Deletes a file and frees its blocks. */
    public void remove(String name) throws IOException {
        mutate(n -> {
            n.remove(n.find(name));
            return null;
        });
    }

    /** Records a change of data or size. */
    private static void touch(Namespace n, Inode ino) {
        ino.modifyTxid = n.tx.txid();
        ino.mtimeMillis = System.currentTimeMillis();
        n.inodes.put(ino);
    }

    /**
     * Renames a file.
     *
     * @throws ConflictException if {@code to} exists and {@code force} is false
     */
    public void rename(String from, String to, boolean force) throws IOException {
        Names.validate(to);
        mutate(n -> {
            Inode ino = n.find(from);
            if (from.equals(to)) {
                return null;
            }
            Inode existing = n.lookup(to);
            if (existing != null) {
                if (!force) {
                    throw new ConflictException("a file named '" + to + "' exists (use --force to replace it)");
                }
                n.remove(existing);
            }
            n.rename(ino, to);
            return null;
        });
    }

    @FunctionalInterface
    interface Body<T> {
        T run(Namespace n) throws IOException;
    }

    private <T> T mutate(Body<T> body) throws IOException {
        checkUsable();
        if (!writable) {
            throw new IllegalStateException("image opened read-only");
        }
        Transaction t = tx;
        boolean committing = false;
        try {
            T result = body.run(ns);
            committing = true;
            t.commit(journal);
            committed = t.superblock().clone();
            begin();
            return result;
        } catch (InternalError e) {
            broken |= committing;
            throw mappedReadFault();
        } catch (RuntimeException | IOException | Error e) {
            broken |= committing;
            throw e;
        } finally {
            if (tx == t) {
                begin();
            }
        }
    }

    private void checkUsable() {
        if (broken) {
            throw new IllegalStateException("a commit failed part-way; reopen the image to recover it");
        }
    }

    /** The read view of the committed state (fsck, dump-tree). */
    public Transaction view() {
        checkUsable();
        return tx;
    }

    @Override
    public void close() throws IOException {
        try {
            dev.close();
        } finally {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        }
    }
}
