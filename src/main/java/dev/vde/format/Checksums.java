package dev.vde.format;

import net.openhft.hashing.LongHashFunction;

/** The one checksum of the formats: XXH64 with seed 0. */
public final class Checksums {
    private static final LongHashFunction XX = LongHashFunction.xx();

    private Checksums() {
    }

    public static long xx(byte[] b, int off, int len) {
        return XX.hashBytes(b, off, len);
    }

    public static LongHashFunction function() {
        return XX;
    }
}
