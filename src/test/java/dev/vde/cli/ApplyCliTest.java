package dev.vde.cli;

import static dev.vde.cli.CliTest.assertError;
import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static dev.vde.cli.CliTest.random;
import static dev.vde.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vde apply}: a full and an incremental delta through a file and through standard input,
 * every refusal with its status and the target left byte-for-byte as it was, --force, --dry-run
 * and the JSON summary.
 */
class ApplyCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path src;
    Path mon;
    Path tue;
    byte[] a1 = random(5000, 1);
    byte[] b1 = random(9000, 2);
    byte[] a2 = random(700, 3);

    @BeforeEach
    void source() throws IOException {
        src = dir.resolve("src.vde");
        ok("format", src.toString(), "--size", "8M", "--block-size", "1024");
        ok(a1, "write", src.toString(), "a");
        ok(b1, "write", src.toString(), "b");
        ok("snapshot", "create", src.toString(), "mon");
        ok(a2, "write", src.toString(), "a", "--offset", "1500");
        ok("mv", src.toString(), "b", "c");
        ok("snapshot", "create", src.toString(), "tue");
        mon = dir.resolve("mon.rdlt");
        tue = dir.resolve("tue.rdlt");
        diff(null, "mon", mon);
        diff("mon", "tue", tue);
    }

    private void diff(String from, String to, Path out) {
        CliTest.Run r = from == null ? run("diff", src.toString(), "--to", to, "-o", out.toString())
                : run("diff", src.toString(), "--from", from, "--to", to, "-o", out.toString());
        assertThat(r.status()).as(r.stderr()).isZero();
    }

    private Path replica(String name) {
        Path p = dir.resolve(name);
        ok("format", p.toString(), "--size", "8M", "--block-size", "1024");
        return p;
    }

    private static CliTest.Run applied(byte[] stdin, String... args) {
        CliTest.Run r = run(stdin, args);
        assertThat(r.status()).as("status of apply (stderr %s)", r.stderr()).isZero();
        assertThat(r.stderr()).startsWith("vde apply: snapshot ");
        return r;
    }

    @Test
    void aFullThenAnIncrementalDeltaThroughAPipeMakeTheSameSnapshots() throws Exception {
        Path rep = replica("rep.vde");
        applied(new byte[0], "apply", rep.toString(), mon.toString());
        assertThat(ok("cat", rep.toString(), "a").stdout()).isEqualTo(a1);
        applied(Files.readAllBytes(tue), "apply", rep.toString(), "-");
        byte[] a = a1.clone();
        System.arraycopy(a2, 0, a, 1500, a2.length);
        assertThat(ok("cat", rep.toString(), "a").stdout()).isEqualTo(a);
        assertThat(ok("cat", rep.toString(), "c").stdout()).isEqualTo(b1);
        assertThat(ok("cat", rep.toString(), "b", "--snapshot", "mon").stdout()).isEqualTo(b1);
        assertThat(ok("ls", rep.toString()).out()).contains("a").contains("c").doesNotContain("b ");
        JsonNode here = JSON.readTree(ok("snapshot", "list", rep.toString(), "--json").stdout()).get("snapshots");
        JsonNode there = JSON.readTree(ok("snapshot", "list", src.toString(), "--json").stdout()).get("snapshots");
        for (int i = 0; i < 2; i++) {
            for (String f : List.of("uuid", "name", "txid", "created", "files", "bytes", "digest")) {
                assertThat(here.get(i).get(f)).as("snapshot %d: %s", i, f).isEqualTo(there.get(i).get(f));
            }
        }
        ok("fsck", rep.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("the spool file is gone")
                    .noneMatch(n -> n.startsWith(".vde-apply-"));
        }
    }

    @Test
    void aNamedPipeIsReadOnceAndSpooled() throws Exception {
        Path fifo = dir.resolve("delta.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo is not available");
        Path rep = replica("rep.vde");
        for (Path delta : List.of(mon, tue)) {
            java.util.concurrent.CompletableFuture<Void> feed = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    Files.write(fifo, Files.readAllBytes(delta));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            applied(new byte[0], "apply", rep.toString(), fifo.toString());
            feed.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(ok("cat", rep.toString(), "c").stdout()).isEqualTo(b1);
        ok("fsck", rep.toString());
    }

    @Test
    void aDeltaWhoseBaseIsMissingIsRefusedWithStatus5() throws Exception {
        Path rep = replica("rep.vde");
        String before = sha256(rep);
        CliTest.Run r = fails(5, "apply", rep.toString(), tue.toString());
        assertThat(r.stderr()).startsWith("vde: error: " + tue + ": record 0 (header) at byte 0: the delta's base, "
                + "snapshot 'mon'").contains("is not on this image");
        assertThat(sha256(rep)).isEqualTo(before);
    }

    @Test
    void aChangedTargetIsRefusedUnlessForced() throws Exception {
        Path rep = replica("rep.vde");
        applied(new byte[0], "apply", rep.toString(), mon.toString());
        ok(random(100, 9), "write", rep.toString(), "local");
        String before = sha256(rep);
        CliTest.Run r = fails(5, "apply", rep.toString(), tue.toString());
        assertThat(r.stderr()).contains("changed since snapshot 'mon'").contains("'local' is new").contains("--force");
        assertThat(sha256(rep)).isEqualTo(before);
        CliTest.Run dry = ok("apply", rep.toString(), tue.toString(), "--force", "--dry-run");
        assertThat(dry.out()).contains("--force rolls them back first");
        assertThat(sha256(rep)).as("a dry run writes nothing").isEqualTo(before);
        applied(new byte[0], "apply", rep.toString(), tue.toString(), "--force");
        assertThat(ok("ls", rep.toString()).out()).doesNotContain("local");
        ok("fsck", rep.toString());
    }

    @Test
    void anUnsupportedVersionIsStatus7() throws Exception {
        Path rep = replica("rep.vde");
        byte[] d = Files.readAllBytes(mon);
        d[4] = 2;
        Path v2 = dir.resolve("v2.rdlt");
        Files.write(v2, d);
        String before = sha256(rep);
        CliTest.Run r = fails(7, "apply", rep.toString(), v2.toString());
        assertThat(r.stderr()).contains("version 2 is not supported");
        assertThat(sha256(rep)).isEqualTo(before);
    }

    @Test
    void aDeltaOfAnotherBlockSizeIsStatus5() throws Exception {
        Path rep = dir.resolve("rep4k.vde");
        ok("format", rep.toString(), "--size", "8M", "--block-size", "4096");
        String before = sha256(rep);
        CliTest.Run r = fails(5, "apply", rep.toString(), mon.toString());
        assertThat(r.stderr()).contains("1024-byte blocks").contains("4096-byte blocks");
        assertThat(sha256(rep)).isEqualTo(before);
    }

    @Test
    void applyingTwiceOrOverAnotherSnapshotOfThatNameIsStatus5() throws Exception {
        Path rep = replica("rep.vde");
        applied(new byte[0], "apply", rep.toString(), mon.toString());
        String before = sha256(rep);
        assertThat(fails(5, "apply", rep.toString(), mon.toString()).stderr()).contains("has been applied");
        Path other = replica("other.vde");
        ok("snapshot", "create", other.toString(), "mon");
        assertThat(fails(5, "apply", other.toString(), mon.toString()).stderr()).contains("another uuid");
        assertThat(sha256(rep)).isEqualTo(before);
    }

    @Test
    void aFullDeltaNeedsAnEmptyImageOrForce() throws Exception {
        Path rep = replica("rep.vde");
        ok(random(10, 4), "write", rep.toString(), "stray");
        assertThat(fails(5, "apply", rep.toString(), mon.toString()).stderr()).contains("without files");
        applied(new byte[0], "apply", rep.toString(), mon.toString(), "--force");
        assertThat(ok("ls", rep.toString()).out()).doesNotContain("stray");
        assertThat(ok("cat", rep.toString(), "b").stdout()).isEqualTo(b1);
    }

    @Test
    void aMissingDeltaFileIsStatus3AndAMissingImageToo() {
        Path rep = replica("rep.vde");
        assertThat(fails(3, "apply", rep.toString(), dir.resolve("nope.rdlt").toString()).stderr())
                .contains("nope.rdlt");
        fails(3, "apply", dir.resolve("nope.vde").toString(), mon.toString());
    }

    @Test
    void damagedDeltasFromAPipeAreStatus7AndLeaveTheImageAsItWas() throws Exception {
        Path rep = replica("rep.vde");
        applied(new byte[0], "apply", rep.toString(), mon.toString());
        String before = sha256(rep);
        byte[] d = Files.readAllBytes(tue);
        // A sample of the offsets (ApplyDamageTest takes every one through the engine).
        for (int at = 0; at < d.length; at += 37) {
            byte[] flipped = d.clone();
            flipped[at] ^= 0x40;
            CliTest.Run r = run(flipped, "apply", rep.toString(), "-");
            assertError(r, 7, "flip at " + at);
            assertThat(r.stderr()).as("the delta, not the image, is named")
                    .containsPattern("^vde: error: (corrupt delta|unsupported): stdin: record \\d+( \\(\\w+\\))? at byte \\d+");
            CliTest.Run cut = run(java.util.Arrays.copyOf(d, at), "apply", rep.toString(), "-");
            assertError(cut, 7, "cut at " + at);
        }
        assertThat(sha256(rep)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vde-apply-"));
        }
        applied(d, "apply", rep.toString(), "-");
    }

    @Test
    void dryRunAndJsonReportWhatChanges() throws Exception {
        Path rep = replica("rep.vde");
        applied(new byte[0], "apply", rep.toString(), mon.toString());
        String before = sha256(rep);
        JsonNode dry = JSON.readTree(ok(Files.readAllBytes(tue), "apply", rep.toString(), "-", "--dry-run", "--json")
                .stdout());
        assertThat(sha256(rep)).isEqualTo(before);
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("delta").asText()).isEqualTo("stdin");
        assertThat(dry.get("snapshot").get("name").asText()).isEqualTo("tue");
        assertThat(dry.get("base").get("name").asText()).isEqualTo("mon");
        assertThat(dry.get("filesRenamed").asLong()).isEqualTo(1);
        assertThat(dry.get("filesChanged").asLong()).as("a changed; b only renamed to c").isEqualTo(1);
        assertThat(dry.get("filesCreated").asLong()).isZero();
        assertThat(dry.get("streamBytes").asLong()).isEqualTo(Files.size(tue));
        assertThat(dry.get("dataBytes").asLong()).as("700 bytes at 1500 touch blocks 1 and 2").isEqualTo(2048);
        CliTest.Run real = run("apply", rep.toString(), tue.toString(), "--json");
        assertThat(real.status()).isZero();
        JsonNode done = JSON.readTree(real.stdout());
        assertThat(done.get("dryRun").asBoolean()).isFalse();
        for (String f : List.of("filesCreated", "filesDeleted", "filesRenamed", "filesChanged", "dataRecords",
                "dataBytes", "holes", "holeBytes", "streamBytes", "digest", "forced")) {
            assertThat(done.get(f)).as(f).isEqualTo(dry.get(f));
        }
        assertThat(done.get("digest").asText())
                .isEqualTo(JSON.readTree(ok("snapshot", "list", rep.toString(), "--json").stdout()).get("snapshots").get(1)
                        .get("digest").asText());
        JsonNode full = JSON.readTree(ok("apply", replica("r2.vde").toString(), mon.toString(), "--json").stdout());
        assertThat(full.get("base").isNull()).isTrue();
        assertThat(full.get("filesCreated").asLong()).isEqualTo(2);
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
