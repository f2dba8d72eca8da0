package dev.vde.testutil;

import dev.vde.io.BlockDevice;
import dev.vde.io.MemoryDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A block device that loses power at a chosen write point.
 *
 * <p>It wraps a {@link MemoryDevice} "medium" that always holds the durable state: the state as
 * of the last {@link #sync()}. Writes since then are kept aside, in order, and seen by reads
 * (as a page cache would), until {@code sync()} moves them to the medium.
 *
 * <p>Every {@link #write} call is one write point; every {@link #fill} call is one write point
 * per block that receives data, so a bulk fill can be cut in the middle. Crash point {@code N}
 * (counted from 0) is reached once {@code N} writes were performed: the device throws
 * {@link SimulatedCrash} at the next write, <em>before</em> performing it, or at the next
 * {@link #sync()}, before anything of it happens (the power going during a sync: without this,
 * the writes issued just before a sync would never be seen unsynced). From then on it refuses
 * every call. {@link #recover} then builds what a fresh process would find on the medium: the
 * durable state plus some selection of the unsynced writes.
 */
public final class CrashingDevice implements BlockDevice {

    /** Thrown at the crash point and by every call after it. Not an IOException: nothing may handle it. */
    public static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String message) {
            super(message);
        }
    }

    /** What survives of the writes that were not yet synced when the power went. */
    public enum Mode {
        /** None of them. */
        LOSE_ALL,
        /** All of them (an in-order device that finished every write it accepted). */
        KEEP_ALL,
        /** Each kept or dropped at random, kept ones applied in order. */
        RANDOM_SUBSET,
        /** A random subset, one kept write of which is torn: only a prefix of its bytes lands. */
        TORN,
        /** All of them, and the write in flight at the crash point lands torn. */
        TORN_AT_CRASH
    }

    /** One block write that has not been synced. */
    public record PendingWrite(long block, byte[] data) {
    }

    private final MemoryDevice medium;
    private final long crashAt;
    private final int bs;
    private final List<PendingWrite> pending = new ArrayList<>();
    /** Latest unsynced content per block, for reads. */
    private final Map<Long, byte[]> cache = new HashMap<>();
    private long writePoints;
    private long syncs;
    private boolean crashed;
    private PendingWrite inFlight;

    /**
     * @param medium  the durable state; it is modified by {@link #sync()}, so pass a copy
     * @param crashAt the crash point: crash at the first write or sync after this many writes, or
     *                {@code Long.MAX_VALUE} for never
     */
    public CrashingDevice(MemoryDevice medium, long crashAt) {
        this.medium = medium;
        this.crashAt = crashAt;
        this.bs = medium.blockSize();
    }

    /** A device that never crashes, for counting the write points of an operation. */
    public static CrashingDevice counting(MemoryDevice medium) {
        return new CrashingDevice(medium, Long.MAX_VALUE);
    }

    /** Writes performed so far (one that crashed is not counted). */
    public long writePoints() {
        return writePoints;
    }

    public long syncs() {
        return syncs;
    }

    public boolean crashed() {
        return crashed;
    }

    /** The unsynced writes, oldest first. */
    public List<PendingWrite> pending() {
        return List.copyOf(pending);
    }

    /** The durable state (writes since the last sync not included). */
    public MemoryDevice medium() {
        return medium;
    }

    private void alive() {
        if (crashed) {
            throw new SimulatedCrash("device is dead: it crashed at write point " + crashAt);
        }
    }

    /** Counts a write point; crashes (remembering the write that was in flight) if it is the chosen one. */
    private void writePoint(long block, byte[] data) {
        if (writePoints == crashAt) {
            crashed = true;
            inFlight = new PendingWrite(block, data.clone());
            throw new SimulatedCrash("simulated crash at write point " + crashAt + " (block " + block + ")");
        }
        writePoints++;
        byte[] copy = data.clone();
        pending.add(new PendingWrite(block, copy));
        cache.put(block, copy);
    }

    @Override
    public int blockSize() {
        alive();
        return bs;
    }

    @Override
    public long blockCount() {
        alive();
        return medium.blockCount();
    }

    @Override
    public void read(long block, byte[] dst, int off) {
        alive();
        checkRange(block, 1);
        byte[] c = cache.get(block);
        if (c != null) {
            System.arraycopy(c, 0, dst, off, bs);
        } else {
            medium.read(block, dst, off);
        }
    }

    @Override
    public void write(long block, byte[] src, int off) {
        alive();
        checkRange(block, 1);
        byte[] data = new byte[bs];
        System.arraycopy(src, off, data, 0, bs);
        writePoint(block, data);
    }

    @Override
    public long fill(ReadableByteChannel in, long block, long length) throws IOException {
        alive();
        checkRange(block, (length + bs - 1) / bs);
        long done = 0;
        while (done < length) {
            long b = block + done / bs;
            int n = (int) Math.min(length - done, bs);
            byte[] data = new byte[bs];
            read(b, data, 0);
            ByteBuffer dst = ByteBuffer.wrap(data, 0, n);
            boolean eof = false;
            while (dst.hasRemaining()) {
                if (in.read(dst) < 0) {
                    eof = true;
                    break;
                }
            }
            int got = dst.position();
            if (got > 0) {
                writePoint(b, data);
            }
            done += got;
            if (eof) {
                break;
            }
        }
        return done;
    }

    @Override
    public void drain(long block, long length, WritableByteChannel out) throws IOException {
        alive();
        checkRange(block, (length + bs - 1) / bs);
        byte[] buf = new byte[bs];
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(length - done, bs);
            read(block + done / bs, buf, 0);
            ByteBuffer src = ByteBuffer.wrap(buf, 0, n);
            while (src.hasRemaining()) {
                out.write(src);
            }
            done += n;
        }
    }

    @Override
    public void sync() {
        alive();
        if (writePoints == crashAt) {
            crashed = true;
            throw new SimulatedCrash("simulated crash in the sync after write point " + crashAt);
        }
        for (PendingWrite w : pending) {
            medium.write(w.block(), w.data(), 0);
        }
        pending.clear();
        cache.clear();
        syncs++;
    }

    @Override
    public void close() {
        alive();
    }

    /**
     * What a fresh process finds on the medium after the crash: the state of the last sync plus
     * a selection of the unsynced writes chosen by {@code mode}. Also valid when the device never
     * crashed (then it is the state as if the power went now).
     */
    public MemoryDevice recover(Mode mode, Random rnd) {
        MemoryDevice out = medium.copy();
        int n = pending.size();
        boolean[] keep = new boolean[n];
        int torn = -1;
        switch (mode) {
            case LOSE_ALL -> {
            }
            case KEEP_ALL, TORN_AT_CRASH -> java.util.Arrays.fill(keep, true);
            case RANDOM_SUBSET, TORN -> {
                List<Integer> kept = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    keep[i] = rnd.nextBoolean();
                    if (keep[i]) {
                        kept.add(i);
                    }
                }
                if (mode == Mode.TORN && !kept.isEmpty()) {
                    torn = kept.get(rnd.nextInt(kept.size()));
                }
            }
            default -> throw new AssertionError(mode);
        }
        for (int i = 0; i < n; i++) {
            if (keep[i]) {
                PendingWrite w = pending.get(i);
                if (i == torn) {
                    tear(out, w, rnd);
                } else {
                    out.write(w.block(), w.data(), 0);
                }
            }
        }
        if (mode == Mode.TORN_AT_CRASH && inFlight != null) {
            tear(out, inFlight, rnd);
        }
        return out;
    }

    /** Lands a prefix of {@code w}: half the block, one 512-byte sector, or a random length. */
    private void tear(MemoryDevice out, PendingWrite w, Random rnd) {
        int prefix = switch (rnd.nextInt(3)) {
            case 0 -> bs / 2;
            case 1 -> bs > 512 ? 512 : bs / 4;
            default -> 1 + rnd.nextInt(bs - 1);
        };
        byte[] b = new byte[bs];
        out.read(w.block(), b, 0);
        System.arraycopy(w.data(), 0, b, 0, prefix);
        out.write(w.block(), b, 0);
    }
}
