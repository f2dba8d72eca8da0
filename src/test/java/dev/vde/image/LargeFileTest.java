package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.testutil.ExpectingChannel;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files past 2 GiB and images past one mapping chunk: offsets must never overflow an int. */
class LargeFileTest {
    @TempDir
    Path dir;

    @Test
    void fileLargerThanTwoGibibytesReadsBackEqual() throws Exception {
        Path path = dir.resolve("large.vde");
        Image.create(path, 8L << 30, 4096, 0, false);
        Random rnd = new Random(11);
        byte[] across = new byte[3 << 20];
        byte[] far = new byte[1 << 20];
        rnd.nextBytes(across);
        rnd.nextBytes(far);
        long acrossAt = (2L << 30) - (1 << 20) - 123;
        long farAt = (5L << 30) + 7;
        // 1 MiB chunks: the image spans 8192 of them and every transfer crosses several.
        try (Image img = Image.open(path, true, 20)) {
            img.write("big", acrossAt, false, Channels.newChannel(new ByteArrayInputStream(across)));
            img.write("big", farAt, false, Channels.newChannel(new ByteArrayInputStream(far)));
        }
        try (Image img = Image.open(path, false, 20)) {
            assertThat(img.stat("big").size()).isEqualTo(farAt + far.length);
            ExpectingChannel whole = new ExpectingChannel(0).expect(acrossAt, across).expect(farAt, far);
            img.cat("big", whole);
            assertThat(whole.mismatch()).isNull();
            assertThat(whole.position()).isEqualTo(farAt + far.length);
            ExpectingChannel part = new ExpectingChannel(acrossAt - 5000).expect(acrossAt, across);
            img.readRange("big", acrossAt - 5000, acrossAt + across.length + 5000, part);
            assertThat(part.mismatch()).isNull();
            assertThat(part.position()).isEqualTo(acrossAt + across.length + 5000);
        }
    }

    @Test
    void denseDataAcrossManySmallChunksSurvivesReopen() throws Exception {
        Path path = dir.resolve("dense.vde");
        Image.create(path, 256L << 20, 512, 0, false);
        byte[] data = new byte[40 << 20];
        new Random(5).nextBytes(data);
        // 64 KiB chunks: a 40 MiB file spans hundreds of them.
        try (Image img = Image.open(path, true, 16)) {
            img.write("dense", 0, false, Channels.newChannel(new ByteArrayInputStream(data)));
        }
        try (Image img = Image.open(path, false, 16)) {
            ExpectingChannel check = new ExpectingChannel(0).expect(0, data);
            img.cat("dense", check);
            assertThat(check.mismatch()).isNull();
            assertThat(check.position()).isEqualTo(data.length);
        }
    }
}
