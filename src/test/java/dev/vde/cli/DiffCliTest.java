package dev.vde.cli;

import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static dev.vde.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.delta.DeltaReader;
import dev.vde.delta.DeltaRecord;
import dev.vde.image.Image;
import dev.vde.testutil.Model;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vde diff}: every delta between snapshots of a random history verifies, and replaying its
 * records on the base's files gives the newer snapshot's files; statistics, -o and errors.
 */
class DiffCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void deltasBetweenEverySnapshotPairReplayToTheNewerSnapshot() throws Exception {
        Path img = dir.resolve("src.vde");
        ok("format", img.toString(), "--size", "16M", "--block-size", "1024");
        Random rnd = new Random(41);
        System.out.println("DiffCliTest seed=41");
        Model live = new Model();
        List<String> snaps = new ArrayList<>();
        Map<String, Model> frozen = new HashMap<>();
        try (Image i = Image.open(img, true)) {
            for (int step = 0; step < 60; step++) {
                String name = "f" + rnd.nextInt(5);
                int op = rnd.nextInt(10);
                if (op < 6) {
                    byte[] data = new byte[1 + rnd.nextInt(5000)];
                    rnd.nextBytes(data);
                    long off = rnd.nextInt(20000);
                    i.write(name, off, false, Channels.newChannel(new ByteArrayInputStream(data)));
                    live.write(name, off, data, false);
                } else if (op < 7 && live.files.containsKey(name)) {
                    i.remove(name);
                    live.files.remove(name);
                } else if (op < 8 && live.files.containsKey(name) && !live.files.containsKey(name + "x")) {
                    i.rename(name, name + "x", false);
                    live.files.put(name + "x", live.files.remove(name));
                } else {
                    String s = "s" + step;
                    i.createSnapshot(s);
                    snaps.add(s);
                    frozen.put(s, live.copy());
                }
            }
        }
        assertThat(snaps.size()).isGreaterThan(3);
        for (int j = 0; j < snaps.size(); j++) {
            replay(img, null, snaps.get(j), new Model(), frozen.get(snaps.get(j)));
            if (j > 0) {
                replay(img, snaps.get(j - 1), snaps.get(j), frozen.get(snaps.get(j - 1)), frozen.get(snaps.get(j)));
            }
        }
        replay(img, snaps.get(0), snaps.get(snaps.size() - 1), frozen.get(snaps.get(0)),
                frozen.get(snaps.get(snaps.size() - 1)));
    }

    /** Runs diff to stdout and to a file, checks both are the same valid stream, and replays it. */
    private void replay(Path img, String from, String to, Model base, Model expected) throws Exception {
        List<String> args = new ArrayList<>(List.of("diff", img.toString(), "--to", to));
        if (from != null) {
            args.addAll(List.of("--from", from));
        }
        CliTest.Run r = run(args.toArray(new String[0]));
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stderr()).as("stats on stderr").startsWith("vde diff: ").contains("extents shipped");
        Path file = dir.resolve("d.rdlt");
        List<String> withFile = new ArrayList<>(args);
        withFile.addAll(List.of("-o", file.toString(), "--json"));
        JsonNode stats = JSON.readTree(ok(withFile.toArray(new String[0])).stdout());
        assertThat(Files.readAllBytes(file)).as("-o writes the same stream").isEqualTo(r.stdout());
        assertThat(Files.exists(dir.resolve("d.rdlt.tmp"))).isFalse();
        assertThat(stats.get("bytesShipped").asLong()).isEqualTo(r.stdout().length);

        DeltaReader reader = new DeltaReader(Channels.newChannel(new ByteArrayInputStream(r.stdout())), "test");
        assertThat(reader.header().snapshot().name()).isEqualTo(to);
        assertThat(reader.header().full()).isEqualTo(from == null);
        Map<Long, String> names = new TreeMap<>();
        Map<Long, byte[]> data = new HashMap<>();
        // The base as the replica holds it: inode numbers as on the source.
        if (from != null) {
            try (Image i = Image.open(img, false)) {
                i.snapshotFiles(from).forEach(f -> {
                    names.put(f.number, f.name);
                    data.put(f.number, base.files.get(f.name).clone());
                });
            }
        }
        long dataBytes = 0;
        for (DeltaRecord rec = reader.next(); rec != null; rec = reader.next()) {
            if (rec instanceof DeltaRecord.File f && f.created()) {
                names.put(f.inode(), f.name());
                data.put(f.inode(), new byte[0]);
            } else if (rec instanceof DeltaRecord.File f) {
                assertThat(names.get(f.inode())).isEqualTo(f.name());
            } else if (rec instanceof DeltaRecord.Move m) {
                names.put(m.inode(), m.name());
            } else if (rec instanceof DeltaRecord.Size s) {
                data.put(s.inode(), Arrays.copyOf(data.get(s.inode()), (int) s.size()));
            } else if (rec instanceof DeltaRecord.Hole h) {
                byte[] d = data.get(h.inode());
                Arrays.fill(d, (int) h.offset(), (int) Math.min(d.length, h.offset() + h.length()), (byte) 0);
            } else if (rec instanceof DeltaRecord.Data dr) {
                byte[] d = data.get(dr.inode());
                byte[] bytes = new byte[dr.data().remaining()];
                dr.data().duplicate().get(bytes);
                dataBytes += bytes.length;
                int n = (int) Math.min(bytes.length, d.length - dr.logicalOffset());
                System.arraycopy(bytes, 0, d, (int) dr.logicalOffset(), n);
            } else if (rec instanceof DeltaRecord.Delete del) {
                assertThat(names.remove(del.inode())).isEqualTo(del.name());
                data.remove(del.inode());
            }
        }
        assertThat(stats.get("dataBytes").asLong()).isEqualTo(dataBytes);
        Map<String, byte[]> got = new TreeMap<>();
        names.forEach((n, name) -> got.put(name, data.get(n)));
        assertThat(got.keySet()).as("%s -> %s", from, to).isEqualTo(expected.files.keySet());
        got.forEach((name, bytes) -> assertThat(bytes).as("%s -> %s: %s", from, to, name)
                .isEqualTo(expected.files.get(name)));
    }

    @Test
    void errorsHaveTheirStatus() throws Exception {
        String img = dir.resolve("e.vde").toString();
        ok("format", img, "--size", "2M");
        ok(CliTest.bytes("x"), "write", img, "f");
        ok("snapshot", "create", img, "a");
        ok("snapshot", "create", img, "b");
        fails(3, "diff", img, "--to", "nope");
        fails(3, "diff", img, "--from", "nope", "--to", "b");
        fails(2, "diff", img, "--from", "b", "--to", "a");
        fails(2, "diff", img, "--from", "a", "--to", "a");
        fails(2, "diff", img);
        fails(3, "diff", dir.resolve("missing.vde").toString(), "--to", "a");
        fails(3, "diff", img, "--to", "a", "-o", dir.resolve("no/such/dir/x.rdlt").toString());
        // A failed diff leaves an existing output file as it was, and no temporary file behind.
        Path existing = dir.resolve("keep.rdlt");
        Files.write(existing, CliTest.bytes("old delta"));
        fails(3, "diff", img, "--from", "a", "--to", "nope", "-o", existing.toString());
        assertThat(Files.readAllBytes(existing)).isEqualTo(CliTest.bytes("old delta"));
        assertThat(Files.exists(dir.resolve("keep.rdlt.tmp"))).isFalse();
        assertThat(ok("diff", "--help").out()).contains("Usage: vde diff", "Examples:", "Exit status:",
                "compression ratio");
    }
}
