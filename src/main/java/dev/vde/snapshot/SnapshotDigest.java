package dev.vde.snapshot;

import dev.vde.inode.FileDigest;
import dev.vde.format.LE;
import java.nio.charset.StandardCharsets;
import net.openhft.hashing.LongHashFunction;

/**
 * The content digest of a set of files, from what each inode already keeps: two 64-bit lanes,
 * each the sum (mod 2^64) over the files of a seeded XXH64 of
 *
 * <pre>
 * u16 nameLength | name (UTF-8) | u64 size | u64 fileDigestA | u64 fileDigestB   (little-endian)
 * </pre>
 *
 * Names are unique, so the sum identifies the set without sorting it, costs O(files) and never
 * reads file data; two snapshots with the same names, sizes and contents have the same digest on
 * any image. The empty set is {@code (0, 0)}.
 */
public final class SnapshotDigest {
    private static final LongHashFunction LANE_A = LongHashFunction.xx(0x766465736e617041L);
    private static final LongHashFunction LANE_B = LongHashFunction.xx(0x766465736e617042L);

    private long a;
    private long b;

    /** Adds one file. */
    public SnapshotDigest add(String name, long size, FileDigest content) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] e = new byte[2 + n.length + 24];
        LE.u16(e, 0, n.length);
        System.arraycopy(n, 0, e, 2, n.length);
        LE.i64(e, 2 + n.length, size);
        LE.i64(e, 10 + n.length, content.a());
        LE.i64(e, 18 + n.length, content.b());
        a += LANE_A.hashBytes(e);
        b += LANE_B.hashBytes(e);
        return this;
    }

    public FileDigest value() {
        return new FileDigest(a, b);
    }
}
