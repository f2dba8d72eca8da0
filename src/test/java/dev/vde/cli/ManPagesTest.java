package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The man pages committed in {@code man/}: every generated page has the sections a reader looks for, names only
 * pages that exist in SEE ALSO, and every page renders without a warning from groff and man.
 */
class ManPagesTest {
    /** Pages outside vde that SEE ALSO may name. */
    private static final Set<String> OTHERS = Set.of("e2fsck(8)");

    static List<Path> all() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("man"))) {
            return s.filter(p -> p.getFileName().toString().matches(".+\\.[1-8]")).sorted().toList();
        }
    }

    /** The section titles of a troff page, in order. */
    static List<String> sections(String troff) {
        List<String> titles = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\.SH \"?([^\"\\n]+)\"?$").matcher(troff);
        while (m.find()) {
            titles.add(m.group(1));
        }
        return titles;
    }

    /** The text of section {@code title} of a troff page, or null. */
    static String section(String troff, String title) {
        Matcher m = Pattern.compile("(?ms)^\\.SH \"?" + Pattern.quote(title) + "\"?$(.*?)(?=^\\.SH |\\z)").matcher(troff);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void everyCommandPageHasItsSections() throws IOException {
        List<Path> pages = all().stream().filter(p -> p.toString().endsWith(".1")).toList();
        assertThat(pages).as("generated pages in man/").hasSizeGreaterThan(15);
        for (Path p : pages) {
            assertThat(sections(Files.readString(p, UTF_8))).as(p.toString())
                    .contains("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES", "SEE ALSO");
        }
    }

    @Test
    void seeAlsoNamesPagesThatExist() throws IOException {
        for (Path p : all()) {
            String seeAlso = section(Files.readString(p, UTF_8), "SEE ALSO");
            assertThat(seeAlso).as(p + ": SEE ALSO").isNotNull();
            Matcher m = Pattern.compile("\\\\fB([a-z0-9\\\\-]+)\\\\fP\\s*\\(([1-8])\\)|^\\.BR ([a-z0-9\\\\-]+) \\(([1-8])\\)",
                    Pattern.MULTILINE).matcher(seeAlso);
            int named = 0;
            while (m.find()) {
                String name = (m.group(1) != null ? m.group(1) : m.group(3)).replace("\\-", "-");
                String section = m.group(2) != null ? m.group(2) : m.group(4);
                named++;
                assertThat(Files.exists(Path.of("man", name + "." + section)) || OTHERS.contains(name + "(" + section + ")"))
                        .as(p + " names " + name + "(" + section + ")").isTrue();
            }
            assertThat(named).as(p + ": pages named in SEE ALSO").isPositive();
        }
    }

    @Test
    void groffFindsNothingToWarnAbout() throws Exception {
        assumeTrue(onPath("groff"), "groff is not installed");
        for (Path p : all()) {
            assertThat(run(Map.of(), "groff", "-man", "-ww", "-z", p.toString())).as("groff -man -ww -z " + p).isEmpty();
        }
    }

    @Test
    void manRendersEveryPageSilently() throws Exception {
        assumeTrue(onPath("man"), "man is not installed");
        for (Path p : all()) {
            assertThat(run(Map.of("MANWIDTH", "80"), "man", "-l", p.toString())).as("man -l " + p).isEmpty();
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a tool with stdout discarded and returns what it wrote to stderr. */
    private static String run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process proc = pb.start();
        proc.getOutputStream().close();
        String err = new String(proc.getErrorStream().readAllBytes(), UTF_8);
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
        return err;
    }
}
