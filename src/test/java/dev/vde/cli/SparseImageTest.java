package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** 20 TiB sparse images: held by tmpfs, refused with status 6 by ext4 (16 TiB file limit). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SparseImageTest {
    private static final long TIB = 1L << 40;

    @TempDir
    Path dir;

    @Test
    void twentyTebibytesOnTmpfs() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "/dev/shm does not exist or is not writable");
        String type = Files.getFileStore(shm).type();
        assumeTrue("tmpfs".equals(type), "/dev/shm is " + type + ", not tmpfs");
        Path img = shm.resolve("vde-sparse-" + UUID.randomUUID() + ".vde");
        try {
            CliTest.Run f = CliTest.ok("format", img.toString(), "--size", "20T");
            assertThat(f.out()).contains("20.0 TiB in 5368709120 blocks of 4096 bytes");
            assertThat(Files.size(img)).isEqualTo(20 * TIB);

            JsonNode info = new ObjectMapper().readTree(CliTest.ok("info", img.toString(), "--json").stdout());
            assertThat(info.get("totalBlocks").asLong()).isEqualTo(20 * TIB / 4096);
            assertThat(info.get("imageBytes").asLong()).isEqualTo(20 * TIB);
            assertThat(info.get("files").asLong()).isZero();

            byte[] data = new byte[3 * 1024 * 1024 + 17];
            new Random(20).nextBytes(data);
            CliTest.ok(data, "write", img.toString(), "small.bin");
            // and one far out in the file: a hole of 10 TiB, then 5 bytes
            CliTest.ok("tail".getBytes(UTF_8), "write", img.toString(), "far", "--offset", "10T");
            assertThat(CliTest.ok("cat", img.toString(), "small.bin").stdout()).isEqualTo(data);

            long blocks512 = allocated512(img);
            assertThat(blocks512 * 512).as("bytes allocated on tmpfs").isLessThan(64L << 20);
        } finally {
            Files.deleteIfExists(img);
        }
        assertThat(img).doesNotExist();
    }

    @Test
    void twentyTebibytesOnExt4IsRefused() throws IOException {
        FileStore store = Files.getFileStore(dir);
        assumeTrue(store.type().startsWith("ext"), "the temporary directory is on " + store.type() + ", not ext4");
        Path img = dir.resolve("huge.vde");
        CliTest.Run r = CliTest.fails(ExitCodes.NO_SPACE, "format", img.toString(), "--size", "20T");
        assertThat(r.stderr()).contains("host file system", "16 TiB");
        assertThat(img).doesNotExist();
    }

    /** The README's figure: a freshly formatted 15 TiB image takes tens of KiB on the host. */
    @Test
    void fifteenTebibytesFormattedTakeTensOfKibibytes() throws Exception {
        Path img = dir.resolve("big.vde");
        try {
            CliTest.Run r = CliTest.run("format", img.toString(), "--size", "15T");
            assumeTrue(r.status() == 0, "this file system cannot hold a 15 TiB file: " + r.stderr());
            assertThat(Files.size(img)).isEqualTo(15 * TIB);
            assertThat(allocated512(img) * 512).as("bytes allocated after format").isLessThan(64L << 10);
        } finally {
            Files.deleteIfExists(img);
        }
    }

    /** Blocks of 512 bytes allocated to a file, as {@code stat -c %b} reports. */
    private static long allocated512(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stat finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
        assertThat(p.exitValue()).as("stat: %s", out).isZero();
        return Long.parseLong(out);
    }
}
