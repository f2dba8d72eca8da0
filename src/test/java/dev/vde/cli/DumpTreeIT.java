package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.vde.image.Image;
import dev.vde.image.ManyExtents;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code vde dump-tree} as a real process: memory use and colour. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DumpTreeIT extends JarProcesses {
    private static final int EXTENTS = 1_000_000;
    private static final int BS = 512;

    /** Runs {@code cmd} with stdout and stderr in files; returns the exit status. */
    private int runTo(List<String> cmd, Map<String, String> env, Path out, Path err) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("VDE_DEBUG");
        pb.environment().remove("NO_COLOR");
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        return p.exitValue();
    }

    private List<String> vde(String maxHeap, String... args) {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx" + maxHeap, "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * A file of a million extents (a tree of about 100,000 nodes at 512-byte blocks, 50 MiB on
     * disk) dumps in a JVM limited to a 32 MiB heap, as text and as JSON. A dump that collected
     * the nodes before printing them needs more than that: with {@code forEachNode(list::add)}
     * in place of printing each node, this run ends in OutOfMemoryError (checked by hand). The
     * output is read back as a stream and must list every extent exactly once, in order.
     */
    @Test
    void aMillionExtentsDumpInA32MiBHeap() throws Exception {
        Path img = dir.resolve("many.vde");
        Image.create(img, 768L << 20, BS, 64, false);
        ManyExtents.create(img, "many", EXTENTS);

        Path out = dir.resolve("dump.txt");
        Path err = dir.resolve("dump.err");
        assertThat(runTo(vde("32m", "dump-tree", img.toString(), "many"), Map.of(), out, err))
                .as("stderr: %s", Files.readString(err)).isZero();
        assertThat(Files.readString(err)).isEmpty();
        Pattern extent = Pattern.compile("^    extent logical (\\d+) start (\\d+) blocks 1 flags 0$");
        long count = 0;
        long lastStart = -1;
        long nodes = 0;
        try (BufferedReader r = Files.newBufferedReader(out, UTF_8)) {
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("  node ")) {
                    nodes++;
                }
                Matcher m = extent.matcher(line);
                if (m.matches()) {
                    assertThat(Long.parseLong(m.group(1))).as("extent %d", count).isEqualTo(2 * count * BS);
                    long start = Long.parseLong(m.group(2));
                    assertThat(start).isGreaterThan(lastStart);
                    lastStart = start;
                    count++;
                }
                assertThat(line).doesNotContain("\u001b");
            }
        }
        assertThat(count).isEqualTo(EXTENTS);
        assertThat(nodes).isGreaterThan(EXTENTS / 20);

        Path json = dir.resolve("dump.json");
        assertThat(runTo(vde("32m", "dump-tree", img.toString(), "many", "--json"), Map.of(), json, err))
                .as("stderr: %s", Files.readString(err)).isZero();
        long logical = 0;
        long blocks = 0;
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            int depth = 0;
            for (JsonToken t; (t = p.nextToken()) != null;) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == JsonToken.FIELD_NAME && p.currentName().equals("logical")) {
                    p.nextToken();
                    assertThat(p.getLongValue()).isEqualTo(2 * logical * BS);
                    logical++;
                } else if (t == JsonToken.FIELD_NAME && p.currentName().equals("block") && depth == 4) {
                    blocks++; // {extentTree: {nodes: [{block
                }
            }
            assertThat(depth).as("complete document").isZero();
        }
        assertThat(logical).isEqualTo(EXTENTS);
        assertThat(blocks).as("every node carries its block").isEqualTo(nodes);
    }

    /** Escapes only on a terminal: redirected stdout is plain; a pty (script(1)) is coloured unless NO_COLOR. */
    @Test
    void colourOnlyOnATerminal() throws Exception {
        Path img = dir.resolve("disk.vde");
        Path err = dir.resolve("err");
        assertThat(runTo(vde("256m", "format", img.toString(), "--size", "1M"), Map.of(), dir.resolve("f.out"), err))
                .isZero();
        Path plain = dir.resolve("plain.txt");
        assertThat(runTo(vde("256m", "dump-tree", img.toString()), Map.of(), plain, err)).isZero();
        assertThat(Files.readString(plain)).contains("superblock (block 0, copy A)").doesNotContain("\u001b");

        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) is needed to run under a pty");
        String command = String.join(" ", vde("256m", "dump-tree", img.toString()).stream()
                .map(a -> "'" + a + "'").toList());
        Path tty = dir.resolve("tty.txt");
        assertThat(runTo(List.of("/usr/bin/script", "-qec", command, "/dev/null"), Map.of("TERM", "xterm"), tty, err))
                .as(Files.readString(err)).isZero();
        assertThat(Files.readString(tty)).contains("\u001b[1msuperblock\u001b[m", "magic");
        Path noColor = dir.resolve("nocolor.txt");
        assertThat(runTo(List.of("/usr/bin/script", "-qec", command, "/dev/null"), Map.of("TERM", "xterm", "NO_COLOR", "1"),
                noColor, err)).isZero();
        assertThat(Files.readString(noColor)).contains("superblock (block 0, copy A)").doesNotContain("\u001b");
    }
}
