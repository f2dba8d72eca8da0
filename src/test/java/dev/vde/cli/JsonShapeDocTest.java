package dev.vde.cli;

import static dev.vde.cli.CliTest.bytes;
import static dev.vde.cli.CliTest.ok;
import static dev.vde.cli.CliTest.random;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.delta.DeltaSamples;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key that a command's {@code --json} prints is described in the JSON OUTPUT section of its man page (a new
 * key fails here until it is), with its type, and every key described there is printed by one of the runs here (a
 * key that goes away fails too). The runs exercise the optional parts: full and incremental deltas, a damaged
 * delta, a damaged image and its repair, a file with inline extents and one with an extent tree, snapshots.
 *
 * <p>A key is named by its path: {@code files[].name} is the key {@code name} of each element of the array
 * {@code files}. The page lists paths as the terms of its JSON OUTPUT section, several to a term where they share a
 * description, which starts with their type ("number", "string, or null ..."). Shapes that dump-tree repeats
 * (a node, an extent, a snapshot) are described once, as NODE.block and so on.
 */
class JsonShapeDocTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A term of a definition list: {@code .sp}, the term, {@code .RS 4}, the description. */
    private static final Pattern TERM = Pattern.compile("(?m)^\\.sp\\n(.+)\\n\\.RS 4\\n(.+)$");
    private static final Pattern MONOSPACE = Pattern.compile("\\\\f\\(CR(.+?)\\\\fP");

    @TempDir
    Path dir;
    String img;

    @BeforeEach
    void imageWithSnapshots() {
        img = dir.resolve("disk.vde").toString();
        ok("format", img, "--size", "8M");
        ok(random(20_000, 1), "write", img, "data.bin");
        ok(bytes("note"), "write", img, "note.txt");
        ok(bytes("gone"), "write", img, "gone.txt");
        ok("snapshot", "create", img, "monday");
        ok(random(9_000, 2), "write", img, "data.bin", "--offset", "4096");
        ok(bytes("new"), "write", img, "new.txt");
        ok("mv", img, "note.txt", "renamed.txt");
        ok("rm", img, "gone.txt");
    }

    private static JsonNode json(CliTest.Run r) throws IOException {
        return JSON.readTree(r.stdout());
    }

    private static JsonNode json(String... args) throws IOException {
        return json(ok(args));
    }

    @Test
    void info() throws Exception {
        ok("snapshot", "create", img, "tuesday");
        check("vde-info", json("info", img, "--json"));
    }

    @Test
    void ls() throws Exception {
        check("vde-ls", json("ls", img, "--json"), json("ls", img, "--json", "--snapshot", "monday"));
    }

    @Test
    void snapshotCreateAndList() throws Exception {
        check("vde-snapshot-create", json("snapshot", "create", img, "tuesday", "--json"));
        check("vde-snapshot-list", json("snapshot", "list", img, "--json"));
    }

    /** Full and incremental deltas of the image, their statistics, and applying them to a replica. */
    @Test
    void diffAndApply() throws Exception {
        ok("snapshot", "create", img, "tuesday");
        String full = dir.resolve("full.rdlt").toString();
        String next = dir.resolve("next.rdlt").toString();
        check("vde-diff", json("diff", img, "--to", "monday", "-o", full, "--json"),
                json("diff", img, "--from", "monday", "--to", "tuesday", "-o", next, "--json"));
        String replica = dir.resolve("replica.vde").toString();
        ok("format", replica, "--size", "8M");
        check("vde-apply", json("apply", replica, full, "--json"), json("apply", replica, next, "--dry-run", "--json"),
                json("apply", replica, next, "--json"));
    }

    /** Every type of record, a full delta, a damaged one and one that is no delta at all. */
    @Test
    void inspect() throws Exception {
        Path every = dir.resolve("every.rdlt");
        Files.write(every, DeltaSamples.small().bytes());
        CliTest.Run damaged = CliTest.run("inspect", "testdata/deltas/incremental-flipped.rdlt", "--json");
        CliTest.Run noDelta = CliTest.run("inspect", "testdata/deltas/empty-magic.rdlt", "--json");
        assertThat(damaged.status()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(noDelta.status()).isEqualTo(ExitCodes.CORRUPT);
        check("vde-inspect", json("inspect", every.toString(), "--json"),
                json("inspect", "testdata/deltas/full.rdlt", "--json"), json(damaged), json(noDelta));
    }

    /** A clean image, and a damaged one (testdata: an inode block flipped) checked and repaired. */
    @Test
    void fsck() throws Exception {
        Path damaged = dir.resolve("damaged.vde");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of("testdata", "files-inode-flip.vde.gz")))) {
            Files.copy(in, damaged);
        }
        CliTest.Run found = CliTest.run("fsck", damaged.toString(), "--json");
        CliTest.Run repaired = CliTest.run("fsck", damaged.toString(), "--repair", "--json");
        assertThat(found.status()).isEqualTo(4);
        assertThat(repaired.status()).isEqualTo(1);
        assertThat(json(repaired).get("removed")).as("repair removed a file").isNotEmpty();
        check("vde-fsck", json("fsck", img, "--json"), json(found), json(repaired));
    }

    /** The image, a file with an extent tree, one with inline extents, and both as a snapshot holds them. */
    @Test
    void dumpTree() throws Exception {
        String tree = DumpTreeTest.treeImage(dir.resolve("tree.vde"), 60).toString();
        ok("snapshot", "create", tree, "frozen");
        check("vde-dump-tree", List.of(
                Map.entry("^files\\[\\]\\.", ""),
                Map.entry("^(nameIndex|refCounts|extentTree)\\.nodes\\[\\]\\.", "NODE."),
                Map.entry("^(NODE\\.extents|inlineExtents)\\[\\]\\.", "EXTENT."),
                Map.entry("^(snapshots\\[\\]|snapshot)\\.", "SNAPSHOT.")),
                json("dump-tree", tree, "--json"), json("dump-tree", tree, "tree", "--json"),
                json("dump-tree", tree, "first", "--json"), json("dump-tree", tree, "--snapshot", "frozen", "--json"),
                json("dump-tree", tree, "tree", "--snapshot", "frozen", "--json"));
    }

    private static void check(String page, JsonNode... docs) throws IOException {
        check(page, List.of(), docs);
    }

    /**
     * Compares the keys of {@code docs} with those the JSON OUTPUT section of {@code man/PAGE.1} describes.
     *
     * @param shapes rewrites of a path's start that fold a repeated shape onto its name, applied in order
     */
    static void check(String page, List<Map.Entry<String, String>> shapes, JsonNode... docs) throws IOException {
        Map<String, Set<String>> printed = new TreeMap<>();
        for (JsonNode doc : docs) {
            collect(doc, "", printed);
        }
        Map<String, Set<String>> folded = new TreeMap<>();
        printed.forEach((path, types) -> {
            String p = path;
            for (Map.Entry<String, String> s : shapes) {
                p = p.replaceFirst(s.getKey(), s.getValue());
            }
            folded.computeIfAbsent(p, k -> new TreeSet<>()).addAll(types);
        });
        Map<String, String> described = described(page);
        String where = "the JSON OUTPUT section of man/" + page + ".1";
        assertThat(described).as(where).isNotEmpty();
        Set<String> undescribed = new TreeSet<>(folded.keySet());
        undescribed.removeAll(described.keySet());
        assertThat(undescribed).as("keys printed but not in " + where).isEmpty();
        Set<String> unprinted = new TreeSet<>(described.keySet());
        unprinted.removeAll(folded.keySet());
        assertThat(unprinted).as("keys in " + where + " that no run printed").isEmpty();
        List<String> mistyped = new ArrayList<>();
        folded.forEach((path, types) -> types.stream().filter(t -> !described.get(path).contains(t))
                .forEach(t -> mistyped.add(path + " is " + t + ", described as '" + described.get(path) + "'")));
        assertThat(mistyped).as("types in " + where).isEmpty();
    }

    /** Every key path in {@code node}, with the JSON types of its values: "number", "string", "null", ... */
    static void collect(JsonNode node, String prefix, Map<String, Set<String>> out) {
        if (node.isArray()) {
            node.forEach(e -> collect(e, prefix + "[]", out));
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                String path = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
                out.computeIfAbsent(path, k -> new TreeSet<>()).add(f.getValue().getNodeType().name().toLowerCase(Locale.ROOT));
                collect(f.getValue(), path, out);
            }
        }
    }

    /**
     * The key paths that a page's JSON OUTPUT section describes, each with the start of its description up to the
     * first colon: its type.
     */
    static Map<String, String> described(String page) throws IOException {
        String section = ManPagesTest.section(Files.readString(Path.of("man", page + ".1"), UTF_8), "JSON OUTPUT");
        Map<String, String> paths = new LinkedHashMap<>();
        if (section == null) {
            return paths;
        }
        Matcher term = TERM.matcher(section);
        while (term.find()) {
            String description = term.group(2);
            String type = description.substring(0, Math.max(0, description.indexOf(':')));
            List<String> names = new ArrayList<>();
            Matcher m = MONOSPACE.matcher(term.group(1));
            while (m.find()) {
                names.add(m.group(1).replace("\\&", ""));
            }
            names.forEach(n -> paths.put(n, type));
        }
        return paths;
    }
}
