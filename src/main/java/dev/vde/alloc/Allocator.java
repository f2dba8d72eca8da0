package dev.vde.alloc;

import dev.vde.format.CorruptImageException;
import dev.vde.format.Superblock;
import dev.vde.format.Tag;
import dev.vde.error.NoSpaceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The block allocator of one transaction, over the on-disk bitmap.
 *
 * <p>Allocation is first-fit from a hint and returns the longest free run there (up to a limit),
 * so sequential writes get contiguous blocks. Blocks freed by the transaction stay marked in use
 * until {@link #applyPendingFrees()} at commit, so nothing the committed state still references
 * is handed out again before the commit is durable.
 */
public final class Allocator {
    /** Storage the allocator reads committed bitmap blocks from and writes dirty ones to. */
    public interface Pages {
        byte[] read(long block, Tag tag);

        void write(long block, byte[] sealed);

        long txid();
    }

    private final Superblock sb;
    private final Pages pages;
    private final long bitsPerPage;
    private final int wordsPerPage;
    private final Map<Long, long[]> cache = new HashMap<>();
    private final Map<Long, long[]> dirty = new HashMap<>();
    private final List<Run> pending = new ArrayList<>();
    /** Ranges freed by this transaction (start to end): never used as log scratch space. */
    private final TreeMap<Long, Long> freedThisTxn = new TreeMap<>();
    private long cursor;

    public Allocator(Superblock sb, Pages pages) {
        this.sb = sb;
        this.pages = pages;
        this.bitsPerPage = sb.bitsPerBitmapBlock();
        this.wordsPerPage = BitmapCodec.wordsPerPage(sb.blockSize);
        this.cursor = sb.dataStart;
    }

    private long[] page(long p) {
        long[] w = cache.get(p);
        if (w == null) {
            if (p >= sb.bitmapHighWater) {
                w = new long[wordsPerPage];
            } else {
                w = BitmapCodec.decode(pages.read(sb.bitmapStart + p, Tag.BMAP));
            }
            cache.put(p, w);
        }
        return w;
    }

    private long[] dirtyPage(long p) {
        long[] w = page(p);
        dirty.put(p, w);
        if (p >= sb.bitmapHighWater) {
            // Pages between the old mark and this one are written (as empty) so that every page
            // below the mark is a valid block.
            for (long q = sb.bitmapHighWater; q < p; q++) {
                dirty.put(q, page(q));
            }
            sb.bitmapHighWater = p + 1;
        }
        return w;
    }

    public boolean isUsed(long block) {
        long p = block / bitsPerPage;
        long bit = block % bitsPerPage;
        return (page(p)[(int) (bit >>> 6)] & (1L << bit)) != 0;
    }

    /** The first free block of {@code [start, start + length)}, or -1: a word at a time. */
    public long firstFree(long start, long length) {
        return findFree(start, start + length);
    }

    /** The first free block at or after {@code from} and before {@code limit}, or -1. */
    private long findFree(long from, long limit) {
        long b = from;
        while (b < limit) {
            long p = b / bitsPerPage;
            if (p >= sb.bitmapHighWater && !cache.containsKey(p)) {
                return b;
            }
            long[] w = page(p);
            long pageStart = p * bitsPerPage;
            int wi = (int) ((b - pageStart) >>> 6);
            long word = ~w[wi] & (-1L << ((b - pageStart) & 63));
            while (true) {
                if (word != 0) {
                    long found = pageStart + ((long) wi << 6) + Long.numberOfTrailingZeros(word);
                    return found < limit ? found : -1;
                }
                if (++wi == wordsPerPage) {
                    break;
                }
                word = ~w[wi];
            }
            b = pageStart + bitsPerPage;
        }
        return -1;
    }

    /** Length of the free run starting at free block {@code start}, at most {@code max}. */
    private long freeRunLength(long start, long max) {
        long limit = Math.min(sb.totalBlocks, start + max);
        long b = start;
        while (b < limit) {
            long p = b / bitsPerPage;
            long pageStart = p * bitsPerPage;
            long pageEnd = Math.min(limit, pageStart + bitsPerPage);
            if (p >= sb.bitmapHighWater && !cache.containsKey(p)) {
                b = pageEnd;
                continue;
            }
            long[] w = page(p);
            while (b < pageEnd) {
                long off = b - pageStart;
                int wi = (int) (off >>> 6);
                long word = w[wi] >>> (off & 63);
                if (word != 0) {
                    return Math.min(limit, b + Long.numberOfTrailingZeros(word)) - start;
                }
                b += 64 - (off & 63);
            }
            b = Math.min(b, pageEnd);
        }
        return limit - start;
    }

    private void setRange(long start, long length, boolean used) {
        long b = start;
        long end = start + length;
        while (b < end) {
            long p = b / bitsPerPage;
            long pageStart = p * bitsPerPage;
            long pageEnd = Math.min(end, pageStart + bitsPerPage);
            long[] w = dirtyPage(p);
            for (; b < pageEnd; b++) {
                long off = b - pageStart;
                int wi = (int) (off >>> 6);
                long mask = 1L << (off & 63);
                if (((w[wi] & mask) != 0) == used) {
                    throw new CorruptImageException(sb.bitmapStart + p, "bitmap",
                            "block " + b + " is already " + (used ? "in use" : "free"));
                }
                w[wi] ^= mask;
            }
        }
    }

    /**
     * Allocates the free run that starts at the first free block at or after {@code hint}
     * (wrapping to the start of the data region), at most {@code max} blocks long.
     *
     * @throws NoSpaceException when no block is free
     */
    public Run allocate(long hint, long max) {
        if (max < 1) {
            throw new IllegalArgumentException("allocation of " + max + " blocks");
        }
        long from = hint >= sb.dataStart && hint < sb.totalBlocks ? hint : cursor;
        long start = findFree(from, sb.totalBlocks);
        if (start < 0) {
            start = findFree(sb.dataStart, from);
        }
        if (start < 0) {
            throw new NoSpaceException("no space left in the image (" + sb.totalBlocks + " blocks of "
                    + sb.blockSize + " bytes, all in use)");
        }
        long len = freeRunLength(start, max);
        setRange(start, len, true);
        sb.freeBlocks -= len;
        cursor = start + len;
        return new Run(start, len);
    }

    /**
     * Allocates {@code want} contiguous blocks if a free run that long starts at or after
     * {@code hint} among the next {@value #PROBES} free runs; otherwise as {@link #allocate}, which
     * may return fewer. Keeps a write whose length is known in one extent rather than filling
     * one-block holes first.
     */
    public Run allocateRun(long hint, long want) {
        long from = hint >= sb.dataStart && hint < sb.totalBlocks ? hint : cursor;
        long start = runOf(from, sb.totalBlocks, want);
        if (start < 0) {
            start = runOf(sb.dataStart, from, want);
        }
        return allocate(start >= 0 ? start : from, want);
    }

    /** The start of a free run of {@code want} blocks in {@code [from, limit)} among the first {@value #PROBES}, or -1. */
    private long runOf(long from, long limit, long want) {
        long b = from;
        for (int probe = 0; probe < PROBES && b < limit; probe++) {
            long start = findFree(b, limit);
            if (start < 0) {
                return -1;
            }
            long len = freeRunLength(start, want);
            if (len == want) {
                return start;
            }
            b = start + len;
        }
        return -1;
    }

    /** Free runs {@link #allocateRun} looks at before it settles for a shorter one. */
    private static final int PROBES = 256;

    public long allocateOne(long hint) {
        return allocate(hint, 1).start();
    }

    /** Gives back blocks that this transaction allocated and nothing references yet. */
    public void release(long start, long length) {
        if (length > 0) {
            setRange(start, length, false);
            sb.freeBlocks += length;
            cursor = Math.min(cursor, start);
        }
    }

    /** Frees blocks once the transaction commits. */
    public void free(long start, long length) {
        if (start < sb.dataStart || length < 1 || start > sb.totalBlocks - length) {
            throw new CorruptImageException("free of blocks [" + start + ", +" + length + ") outside the data region");
        }
        pending.add(new Run(start, length));
    }

    /** Clears the bits of every pending free. Called once, at commit. */
    public void applyPendingFrees() {
        for (Run r : pending) {
            setRange(r.start(), r.length(), false);
            sb.freeBlocks += r.length();
            freedThisTxn.merge(r.start(), r.end(), Math::max);
        }
        pending.clear();
    }

    private boolean freedThisTxn(long block) {
        Map.Entry<Long, Long> e = freedThisTxn.floorEntry(block);
        return e != null && block < e.getValue();
    }

    /**
     * Blocks that are free in both the committed and this transaction's state, for the log to
     * spill into; they stay free.
     */
    public long[] scratch(int count) {
        long[] out = new long[count];
        int n = 0;
        long b = sb.dataStart;
        while (n < count) {
            b = findFree(b, sb.totalBlocks);
            if (b < 0) {
                throw new NoSpaceException("no space left in the image for the log of this transaction ("
                        + count + " blocks needed)");
            }
            if (!freedThisTxn(b)) {
                out[n++] = b;
            }
            b++;
        }
        return out;
    }

    /** Writes every changed bitmap block into the transaction. */
    public void flush() {
        for (Map.Entry<Long, long[]> e : dirty.entrySet()) {
            pages.write(sb.bitmapStart + e.getKey(), BitmapCodec.encode(e.getValue(), sb.blockSize, pages.txid()));
        }
        dirty.clear();
    }

    public boolean hasPendingFrees() {
        return !pending.isEmpty();
    }
}
