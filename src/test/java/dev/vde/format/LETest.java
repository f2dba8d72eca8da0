package dev.vde.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** LE's accessors against the byte order spelled out byte by byte, at every offset, and their bounds. */
class LETest {
    private static long le(byte[] b, int off, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    private static long be(byte[] b, int off, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    @Test
    void readsAndWritesEachByteOrder() {
        Random r = new Random(6);
        byte[] b = new byte[24];
        for (int round = 0; round < 200; round++) {
            r.nextBytes(b);
            for (int off = 0; off + 8 <= b.length; off++) {
                assertThat(LE.i64(b, off)).isEqualTo(le(b, off, 8));
                assertThat(LE.i32(b, off)).isEqualTo((int) le(b, off, 4));
                assertThat(LE.u32(b, off)).isEqualTo(le(b, off, 4));
                assertThat(LE.u16(b, off)).isEqualTo((int) le(b, off, 2));
                assertThat(LE.be64(b, off)).isEqualTo(be(b, off, 8));
                assertThat(LE.be32(b, off)).isEqualTo((int) be(b, off, 4));
            }
            long v = r.nextLong();
            int off = r.nextInt(b.length - 7);
            LE.i64(b, off, v);
            assertThat(le(b, off, 8)).isEqualTo(v);
            LE.i32(b, off, (int) v);
            assertThat((int) le(b, off, 4)).isEqualTo((int) v);
            LE.u16(b, off, (int) v);
            assertThat(le(b, off, 2)).isEqualTo(v & 0xffff);
            LE.be64(b, off, v);
            assertThat(be(b, off, 8)).isEqualTo(v);
            LE.be32(b, off, (int) v);
            assertThat((int) be(b, off, 4)).isEqualTo((int) v);
        }
    }

    @Test
    void refusesAccessPastTheArray() {
        byte[] b = new byte[8];
        assertThatThrownBy(() -> LE.i64(b, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> LE.i32(b, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> LE.u16(b, 7, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> LE.be32(b, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
