package dev.vde.cli;

import static dev.vde.cli.CliTest.bytes;
import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static dev.vde.cli.CliTest.random;
import static dev.vde.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vde snapshot ...} and {@code --snapshot} on cat and ls: output, JSON shape and every exit status. */
class SnapshotCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    String img;

    @BeforeEach
    void image() {
        img = dir.resolve("disk.vde").toString();
        ok("format", img, "--size", "4M");
    }

    private JsonNode json(String... args) throws Exception {
        return JSON.readTree(ok(args).stdout());
    }

    @Test
    void createListCatLsDeleteRollback() throws Exception {
        byte[] v1 = random(50_000, 1);
        byte[] v2 = random(70_000, 2);
        ok(v1, "write", img, "f");
        ok(bytes("x"), "write", img, "g");
        assertThat(ok("snapshot", "create", img, "mon").stdout()).as("quiet on success").isEmpty();
        JsonNode created = json("snapshot", "create", img, "tue", "--json");
        assertThat(created.get("name").asText()).isEqualTo("tue");
        assertThat(created.get("files").asLong()).isEqualTo(2);
        assertThat(created.get("bytes").asLong()).isEqualTo(50_001);
        assertThat(created.get("digest").asText()).matches("[0-9a-f]{32}");

        ok(v2, "write", img, "f", "--truncate");
        ok("rm", img, "g");
        ok(bytes("new"), "write", img, "h");

        assertThat(ok("cat", img, "f", "--snapshot", "mon").stdout()).isEqualTo(v1);
        assertThat(ok("cat", img, "f").stdout()).isEqualTo(v2);
        assertThat(ok("ls", img, "--snapshot", "mon").out().lines().toList()).containsExactly("f", "g");
        assertThat(ok("ls", img).out().lines().toList()).containsExactly("f", "h");

        JsonNode list = json("snapshot", "list", img, "--json");
        assertThat(list.get("snapshots")).hasSize(2);
        JsonNode mon = list.get("snapshots").get(0);
        for (String field : List.of("id", "name", "uuid", "txid", "created", "files", "bytes", "extents", "dataBlocks",
                "metaBlocks", "digest")) {
            assertThat(mon.has(field)).as(field).isTrue();
        }
        assertThat(mon.get("name").asText()).isEqualTo("mon");
        assertThat(mon.get("digest").asText()).as("same files, same digest")
                .isEqualTo(list.get("snapshots").get(1).get("digest").asText());
        String text = ok("snapshot", "list", img).out();
        assertThat(text.lines().toList()).hasSize(3);
        assertThat(text).contains("NAME", "mon", "tue", mon.get("digest").asText());
        assertThat(json("info", img, "--json").get("snapshots").asLong()).isEqualTo(2);

        ok("snapshot", "rollback", img, "mon");
        assertThat(ok("ls", img).out().lines().toList()).containsExactly("f", "g");
        assertThat(ok("cat", img, "f").stdout()).isEqualTo(v1);
        ok("snapshot", "delete", img, "mon");
        ok("snapshot", "delete", img, "tue");
        assertThat(ok("snapshot", "list", img).out()).isEmpty();
        assertThat(json("snapshot", "list", img, "--json").get("snapshots")).isEmpty();
        assertThat(ok("cat", img, "f").stdout()).isEqualTo(v1);
        assertThat(run("fsck", img).status()).isZero();
    }

    @Test
    void errorsHaveTheirStatus() {
        ok(bytes("x"), "write", img, "f");
        ok("snapshot", "create", img, "s");
        fails(5, "snapshot", "create", img, "s");
        fails(3, "snapshot", "delete", img, "nope");
        fails(3, "snapshot", "rollback", img, "nope");
        fails(3, "cat", img, "f", "--snapshot", "nope");
        fails(3, "cat", img, "nope", "--snapshot", "s");
        fails(3, "ls", img, "--snapshot", "nope");
        fails(2, "snapshot", "create", img, "");
        fails(2, "snapshot", "create", img, "bad\u0001name");
        fails(2, "snapshot", "create", img, "x".repeat(256));
        fails(2, "snapshot");
        fails(2, "snapshot", "frobnicate", img);
        fails(2, "snapshot", "create", img);
        fails(3, "snapshot", "list", dir.resolve("missing.vde").toString());
        assertThat(ok("snapshot", "--help").out()).contains("create", "list", "delete", "rollback", "Examples:");
        for (String sub : List.of("create", "list", "delete", "rollback")) {
            assertThat(ok("snapshot", sub, "--help").out()).as(sub)
                    .contains("Usage: vde snapshot " + sub, "Examples:", "Exit status:");
        }
    }

    /** A damaged catalog must not hide the rest of the image: info reports it and exits 0; the snapshot commands exit 7. */
    @Test
    void infoSurvivesADamagedCatalog() throws Exception {
        ok(bytes("x"), "write", img, "f");
        ok("snapshot", "create", img, "s");
        JsonNode info = json("info", img, "--json");
        long at = info.get("regions").get("snap").get("start").asLong() * info.get("blockSize").asLong() + 7;
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(img, "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x40);
        }
        JsonNode damaged = json("info", img, "--json");
        assertThat(damaged.get("snapshots").isNull()).isTrue();
        assertThat(damaged.get("files").asLong()).isEqualTo(1);
        assertThat(ok("info", img).out()).contains("snapshots:      unreadable (run vde fsck)");
        fails(7, "snapshot", "list", img);
        assertThat(ok("cat", img, "f").stdout()).isEqualTo(bytes("x"));
    }
}
