package dev.vde.format;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian and big-endian field access on heap byte arrays, for the codecs. */
public final class LE {
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle BE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private LE() {
    }

    public static long i64(byte[] b, int off) {
        return (long) I64.get(b, off);
    }

    public static void i64(byte[] b, int off, long v) {
        I64.set(b, off, v);
    }

    public static int i32(byte[] b, int off) {
        return (int) I32.get(b, off);
    }

    public static void i32(byte[] b, int off, int v) {
        I32.set(b, off, v);
    }

    public static long u32(byte[] b, int off) {
        return i32(b, off) & 0xffffffffL;
    }

    public static int u16(byte[] b, int off) {
        return (short) I16.get(b, off) & 0xffff;
    }

    public static void u16(byte[] b, int off, int v) {
        I16.set(b, off, (short) v);
    }

    private static final VarHandle BE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    public static long be64(byte[] b, int off) {
        return (long) BE64.get(b, off);
    }

    public static void be64(byte[] b, int off, long v) {
        BE64.set(b, off, v);
    }

    public static int be32(byte[] b, int off) {
        return (int) BE32.get(b, off);
    }

    public static void be32(byte[] b, int off, int v) {
        BE32.set(b, off, v);
    }
}
