package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import net.openhft.hashing.LongHashFunction;
import org.junit.jupiter.api.Test;

/** The data hash of a direct buffer (copied first, so vde needs no export of sun.nio.ch) is that of its bytes. */
class DeltaFormatTest {
    @Test
    void directAndHeapBuffersHashAlike() {
        byte[] bytes = new byte[70_000];
        new Random(9).nextBytes(bytes);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        for (int[] range : new int[][] {{0, bytes.length}, {0, 0}, {1, 4096}, {4096, 65536}, {69_999, 70_000}}) {
            long expected = LongHashFunction.xx().hashBytes(bytes, range[0], range[1] - range[0]);
            ByteBuffer heap = ByteBuffer.wrap(bytes).position(range[0]).limit(range[1]);
            ByteBuffer d = direct.duplicate().position(range[0]).limit(range[1]);
            assertThat(DeltaFormat.xx(heap)).isEqualTo(expected);
            assertThat(DeltaFormat.xx(d)).isEqualTo(expected);
            assertThat(DeltaFormat.xx(d.slice().asReadOnlyBuffer())).isEqualTo(expected);
            assertThat(d.position()).isEqualTo(range[0]);
        }
    }
}
