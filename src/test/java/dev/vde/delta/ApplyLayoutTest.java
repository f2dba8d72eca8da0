package dev.vde.delta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.image.Image;
import dev.vde.io.MemoryDevice;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A replica lays each DATA record out in one extent where the image has a free run that long,
 * instead of filling the one-block holes that freed metadata leaves behind its cursor first.
 */
class ApplyLayoutTest {
    @Test
    void eachDataRecordLandsInOneExtentDespiteOneBlockHoles() throws Exception {
        int bs = 512;
        MemoryDevice source = new MemoryDevice(bs, 8192);
        MemoryDevice replica = new MemoryDevice(bs, 8192);
        Image.format(source, 0);
        Image.format(replica, 0);
        Random rnd = new Random(77);
        try (Image src = Image.open(source, true); Image rep = Image.open(replica, true)) {
            String prev = null;
            for (int i = 0; i < 12; i++) {
                byte[] b = new byte[16 * bs];
                rnd.nextBytes(b);
                src.write("f" + i, 0, false, Channels.newChannel(new ByteArrayInputStream(b)));
                src.createSnapshot("s" + i);
                rep.apply(DeltaSource.of(ReplicationModelTest.delta(src, prev, "s" + i), "d"), false, false);
                prev = "s" + i;
                // One-block holes on the replica: a file written, then removed and the removal rolled back.
                rep.write("pad" + i, 0, false, Channels.newChannel(new ByteArrayInputStream(new byte[3 * bs])));
                rep.rollback(prev);
            }
            for (int i = 0; i < 12; i++) {
                assertThat(src.stat("f" + i).extents()).as("source f%d", i).isEqualTo(1);
                assertThat(rep.stat("f" + i).extents()).as("replica f%d: one DATA record, one extent", i).isEqualTo(1);
            }
        }
    }
}
