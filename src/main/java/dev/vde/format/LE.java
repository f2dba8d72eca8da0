package dev.vde.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian and big-endian field access on heap byte arrays, for the codecs. Through a
 * {@link ByteBuffer} wrapped per call (the JIT removes the wrapper; the access is the same
 * unaligned load or store), not a byte-array-view {@code VarHandle}: a VarHandle's first use
 * spins method-handle classes that no class-data archive holds, about 15 ms of every vde run
 * that opens an image.
 */
public final class LE {
    private LE() {
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static long i64(byte[] b, int off) {
        return le(b).getLong(off);
    }

    public static void i64(byte[] b, int off, long v) {
        le(b).putLong(off, v);
    }

    public static int i32(byte[] b, int off) {
        return le(b).getInt(off);
    }

    public static void i32(byte[] b, int off, int v) {
        le(b).putInt(off, v);
    }

    public static long u32(byte[] b, int off) {
        return i32(b, off) & 0xffffffffL;
    }

    public static int u16(byte[] b, int off) {
        return le(b).getShort(off) & 0xffff;
    }

    public static void u16(byte[] b, int off, int v) {
        le(b).putShort(off, (short) v);
    }

    public static long be64(byte[] b, int off) {
        return ByteBuffer.wrap(b).getLong(off);
    }

    public static void be64(byte[] b, int off, long v) {
        ByteBuffer.wrap(b).putLong(off, v);
    }

    public static int be32(byte[] b, int off) {
        return ByteBuffer.wrap(b).getInt(off);
    }

    public static void be32(byte[] b, int off, int v) {
        ByteBuffer.wrap(b).putInt(off, v);
    }
}
