package dev.vde.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.cli.Io;
import dev.vde.cli.Main;
import dev.vde.image.FileInfo;
import dev.vde.image.Image;
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

    /** Image -> file name -> size and SHA-256, from contents.tsv. */
    static Map<String, Map<String, Content>> contents() throws IOException {
        Map<String, Map<String, Content>> m = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(TESTDATA.resolve("contents.tsv"));
        for (String l : lines.subList(1, lines.size())) {
            String[] c = l.split("\t");
            m.computeIfAbsent(c[0], k -> new TreeMap<>()).put(c[1], new Content(Long.parseLong(c[2]), c[3]));
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
        }
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
        assertThat(Arrays.asList("empty.vde", "files.vde", "deep.vde")).allMatch(listed::contains);
    }
}
