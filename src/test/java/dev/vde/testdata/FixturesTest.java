package dev.vde.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.cli.Io;
import dev.vde.cli.Main;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
import dev.vde.image.SnapshotInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code vde fsck}, {@code fsck --repair} and a re-check over every fixture listed in
 * {@code testdata/expected.tsv} (see testdata/README.md), and reads the files of the clean ones:
 * the current code must keep reading format v1 as these images hold it.
 */
class FixturesTest {
    static final Path TESTDATA = Path.of("testdata");

    @TempDir
    Path dir;

    record Row(String fixture, String source, int fsck, List<String> findings, int repair, int recheck,
            Set<String> removed, Set<String> changed) {
        static Row parse(String line) {
            String[] c = line.split("\t", -1);
            return new Row(c[0], c[1], Integer.parseInt(c[2]), c[3].isEmpty() ? List.of() : List.of(c[3].split(" ")),
                    Integer.parseInt(c[4]), Integer.parseInt(c[5]), set(c[6]), set(c[7]));
        }

        private static Set<String> set(String s) {
            return s.equals("-") ? Set.of() : Set.of(s.split(","));
        }
    }

    record Content(long size, String sha256) {
    }

    record Run(int status, String out, String err) {
    }

    static List<Row> rows(String table) throws IOException {
        List<String> lines = Files.readAllLines(TESTDATA.resolve(table));
        assertThat(lines.get(0)).isEqualTo(FixtureGenerator.HEADER);
        return lines.stream().skip(1).filter(l -> !l.isBlank()).map(Row::parse).toList();
    }

    /** One snapshot of snapshots.tsv, as {@link Image#snapshots()} must report it. */
    record Snap(long id, String name, long txid, String digest, long files, long bytes) {
        static Snap of(SnapshotInfo i) {
            return new Snap(i.id(), i.name(), i.txid(), i.digest().toString(), i.fileCount(), i.bytes());
        }
    }

    /** Image -> file name -> size and SHA-256 of the live files, from contents.tsv. */
    static Map<String, Map<String, Content>> contents() throws IOException {
        Map<String, Map<String, Content>> m = new LinkedHashMap<>();
        for (String[] c : contentRows()) {
            if (c.length <= 4 || c[4].equals("-")) {
                m.computeIfAbsent(c[0], k -> new TreeMap<>()).put(c[1], new Content(Long.parseLong(c[2]), c[3]));
            }
        }
        return m;
    }

    /**
     * Image -> snapshot -> file name -> size and SHA-256, from the rows of contents.tsv that name a
     * snapshot (column 5; a row without it, or with {@code -}, is a live file).
     */
    static Map<String, Map<String, Map<String, Content>>> snapshotContents() throws IOException {
        Map<String, Map<String, Map<String, Content>>> m = new LinkedHashMap<>();
        for (String[] c : contentRows()) {
            if (c.length > 4 && !c[4].equals("-")) {
                m.computeIfAbsent(c[0], k -> new TreeMap<>()).computeIfAbsent(c[4], k -> new TreeMap<>())
                        .put(c[1], new Content(Long.parseLong(c[2]), c[3]));
            }
        }
        return m;
    }

    private static List<String[]> contentRows() throws IOException {
        List<String> lines = Files.readAllLines(TESTDATA.resolve("contents.tsv"));
        assertThat(lines.get(0)).isEqualTo(FixtureGenerator.CONTENTS_HEADER);
        return lines.subList(1, lines.size()).stream().filter(l -> !l.isBlank()).map(l -> l.split("\t")).toList();
    }

    /** Image -> its snapshots, oldest first, from snapshots.tsv. */
    static Map<String, List<Snap>> snapshots() throws IOException {
        Map<String, List<Snap>> m = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(TESTDATA.resolve("snapshots.tsv"));
        assertThat(lines.get(0)).isEqualTo(FixtureGenerator.SNAPSHOTS_HEADER);
        for (String l : lines.subList(1, lines.size())) {
            if (l.isBlank()) {
                continue;
            }
            String[] c = l.split("\t");
            m.computeIfAbsent(c[0], k -> new ArrayList<>()).add(new Snap(Long.parseLong(c[1]), c[2],
                    Long.parseLong(c[3]), c[4], Long.parseLong(c[5]), Long.parseLong(c[6])));
        }
        return m;
    }

    private static Run vde(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out, err), args);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureChecksAndRepairsAsRecorded() throws IOException {
        Map<String, Map<String, Content>> contents = contents();
        return rows("expected.tsv").stream()
                .map(r -> DynamicTest.dynamicTest(r.fixture(), () -> checkRepairRecheck(r, contents)));
    }

    private void checkRepairRecheck(Row r, Map<String, Map<String, Content>> contents) throws Exception {
        Path img = FixtureGenerator.gunzip(TESTDATA, r.fixture(), dir);
        String before = sha256(Files.readAllBytes(img));

        Run check = vde("fsck", img.toString(), "--json");
        assertThat(check.status()).as("fsck status\n%s%s", check.out(), check.err()).isEqualTo(r.fsck());
        JsonNode doc = new ObjectMapper().readTree(check.out());
        assertThat(doc.get("status").asInt()).isEqualTo(r.fsck());
        assertFindings(r, doc, check.out());
        assertThat(sha256(Files.readAllBytes(img))).as("fsck without --repair leaves the image byte for byte unchanged")
                .isEqualTo(before);

        Run repair = vde("fsck", img.toString(), "--repair", "--json");
        assertThat(repair.status()).as("fsck --repair status\n%s%s", repair.out(), repair.err()).isEqualTo(r.repair());
        if (r.repair() == 0) {
            assertThat(sha256(Files.readAllBytes(img))).as("--repair of a clean image writes nothing").isEqualTo(before);
        } else if (r.repair() == 4) {
            assertThat(sha256(Files.readAllBytes(img))).as("a repair that cannot repair writes nothing").isEqualTo(before);
        }
        Run again = vde("fsck", img.toString());
        assertThat(again.status()).as("re-check status\n%s%s", again.out(), again.err()).isEqualTo(r.recheck());

        if (r.recheck() == 0) {
            Map<String, Content> want = new TreeMap<>(contents.getOrDefault(r.source().equals("-") ? r.fixture()
                    : r.source(), Map.of()));
            want.keySet().removeAll(r.removed());
            assertReads(img, want, r.changed());
            String image = r.source().equals("-") ? r.fixture() : r.source();
            assertSnapshots(img, snapshots().getOrDefault(image, List.of()),
                    snapshotContents().getOrDefault(image, Map.of()));
        }
    }

    /**
     * The image's snapshot catalog reads back as recorded: the list (id, name, txid, digest, file
     * count, bytes), and every file of every snapshot with its size and hash. An image with
     * snapshots must also have a ref-count table.
     */
    private static void assertSnapshots(Path img, List<Snap> want, Map<String, Map<String, Content>> files)
            throws Exception {
        assertThat(files.keySet()).as("snapshots with files in contents.tsv")
                .isSubsetOf(want.stream().map(Snap::name).toList());
        try (Image i = Image.open(img, false)) {
            assertThat(i.snapshots().stream().map(Snap::of).toList()).as("snapshots of %s", img.getFileName())
                    .isEqualTo(want);
            if (!want.isEmpty()) {
                assertThat(i.refCounts().isEmpty()).as("ref-count table of %s is empty", img.getFileName()).isFalse();
            }
            for (Snap snap : want) {
                Map<String, Content> f = files.getOrDefault(snap.name(), Map.of());
                assertThat(i.list(snap.name()).stream().map(FileInfo::name).toList())
                        .as("files of snapshot %s", snap.name()).containsExactlyElementsOf(f.keySet());
                assertThat((long) f.size()).as("file count of snapshot %s", snap.name()).isEqualTo(snap.files());
                for (var e : f.entrySet()) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    i.cat(e.getKey(), snap.name(), Channels.newChannel(out));
                    assertThat(i.stat(e.getKey(), snap.name()).size()).as("size of %s@%s", e.getKey(), snap.name())
                            .isEqualTo(e.getValue().size());
                    assertThat(out.size()).as("bytes read of %s@%s", e.getKey(), snap.name())
                            .isEqualTo(e.getValue().size());
                    assertThat(sha256(out.toByteArray())).as("SHA-256 of %s@%s", e.getKey(), snap.name())
                            .isEqualTo(e.getValue().sha256());
                }
            }
        }
    }

    /** snapshots.vde holds snapshots, so a future reader that cannot read the catalog fails above. */
    @Test
    void theSnapshotFixtureHasSnapshotsWithFiles() throws Exception {
        List<Snap> snaps = snapshots().get("snapshots.vde");
        assertThat(snaps).as("snapshots.tsv rows of snapshots.vde").hasSizeGreaterThanOrEqualTo(3);
        List<Long> ids = snaps.stream().map(Snap::id).toList();
        assertThat(ids.get(ids.size() - 1) - ids.get(0)).as("ids %s: one snapshot was deleted", ids)
                .isGreaterThan(ids.size() - 1);
        assertThat(snapshotContents().get("snapshots.vde").keySet())
                .containsExactlyInAnyOrderElementsOf(snaps.stream().map(Snap::name).toList());
        assertThat(rows("expected.tsv").stream().map(Row::fixture)).contains("snapshots.vde");
    }

    /** Every expected finding is reported (kind and block, and inode where given); no other kind is. */
    private static void assertFindings(Row r, JsonNode doc, String report) {
        List<String> actual = new ArrayList<>();
        Set<String> actualKinds = new TreeSet<>();
        for (JsonNode f : doc.get("findings")) {
            String kb = f.get("kind").asText() + "@" + f.get("block").asLong();
            actual.add(kb + "#" + f.get("inode").asLong());
            actualKinds.add(f.get("kind").asText());
        }
        for (String want : r.findings()) {
            boolean found = actual.stream().anyMatch(a -> want.contains("#") ? a.equals(want)
                    : a.substring(0, a.indexOf('#')).equals(want));
            assertThat(found).as("finding %s among %s\n%s", want, actual, report).isTrue();
        }
        Set<String> expectedKinds = r.findings().stream().map(w -> w.substring(0, w.indexOf('@')))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(actualKinds).as("kinds reported\n%s", report).isEqualTo(expectedKinds);
        assertThat(doc.get("summary").get("total").asLong()).isEqualTo(actual.size());
    }

    /** The image opens and holds exactly {@code want} (plus {@code changed}), each file of its size and hash. */
    private static void assertReads(Path img, Map<String, Content> want, Set<String> changed) throws Exception {
        try (Image i = Image.open(img, false)) {
            Set<String> names = i.list().stream().map(FileInfo::name).collect(Collectors.toCollection(TreeSet::new));
            assertThat(names).as("files in %s", img.getFileName()).isEqualTo(want.keySet());
            for (var e : want.entrySet()) {
                if (changed.contains(e.getKey())) {
                    continue;
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                i.cat(e.getKey(), Channels.newChannel(out));
                assertThat(i.stat(e.getKey()).size()).as("size of %s", e.getKey()).isEqualTo(e.getValue().size());
                assertThat(out.size()).as("bytes read of %s", e.getKey()).isEqualTo(e.getValue().size());
                assertThat(sha256(out.toByteArray())).as("SHA-256 of %s", e.getKey()).isEqualTo(e.getValue().sha256());
            }
        }
    }

    /** The clean fixtures also read through the command line, as a user would. */
    @Test
    void cleanFixturesReadThroughTheCommandLine() throws Exception {
        for (var img : contents().entrySet()) {
            Path p = FixtureGenerator.gunzip(TESTDATA, img.getKey(), dir);
            Run ls = vde("ls", p.toString());
            assertThat(ls.status()).as(ls.err()).isZero();
            assertThat(ls.out().lines().sorted().toList()).isEqualTo(img.getValue().keySet().stream().sorted().toList());
            for (var f : img.getValue().entrySet()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream()),
                        "cat", p.toString(), f.getKey());
                assertThat(status).isZero();
                assertThat(sha256(out.toByteArray())).as(f.getKey()).isEqualTo(f.getValue().sha256());
            }
        }
        for (var img : snapshotContents().entrySet()) {
            Path p = FixtureGenerator.gunzip(TESTDATA, img.getKey(), dir);
            for (var snap : img.getValue().entrySet()) {
                Run ls = vde("ls", p.toString(), "--snapshot", snap.getKey());
                assertThat(ls.status()).as(ls.err()).isZero();
                assertThat(ls.out().lines().sorted().toList()).as("ls --snapshot %s", snap.getKey())
                        .isEqualTo(snap.getValue().keySet().stream().sorted().toList());
                for (var f : snap.getValue().entrySet()) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out,
                            new ByteArrayOutputStream()), "cat", p.toString(), f.getKey(), "--snapshot", snap.getKey());
                    assertThat(status).isZero();
                    assertThat(sha256(out.toByteArray())).as("%s@%s", f.getKey(), snap.getKey())
                            .isEqualTo(f.getValue().sha256());
                }
            }
        }
    }

    /** Every fixture in testdata/ is listed once, in expected.tsv or known-failures.tsv, and every listed one exists. */
    @Test
    void everyFixtureIsListed() throws Exception {
        List<String> listed = new ArrayList<>();
        rows("expected.tsv").forEach(r -> listed.add(r.fixture()));
        rows("known-failures.tsv").forEach(r -> listed.add(r.fixture()));
        assertThat(listed).doesNotHaveDuplicates();
        try (Stream<Path> s = Files.list(TESTDATA)) {
            List<String> files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".vde.gz"))
                    .map(n -> n.substring(0, n.length() - 3)).toList();
            assertThat(files).containsExactlyInAnyOrderElementsOf(listed);
        }
        for (Row r : rows("expected.tsv")) {
            if (!r.source().equals("-")) {
                assertThat(contents()).as("source of %s", r.fixture()).containsKey(r.source());
            }
        }
        assertThat(Arrays.asList("empty.vde", "files.vde", "deep.vde", "snapshots.vde")).allMatch(listed::contains);
    }
}
