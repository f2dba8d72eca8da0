package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated man pages and the completion script committed in {@code man/} and {@code completions/}
 * are what this build generated (pre-integration-test, into {@code target/}): one page per command, none
 * for a command that is gone, each byte for byte. A change to a command's options or help, or to a template
 * in {@code src/docs}, fails here until {@link #REFRESH} is run and its result committed.
 */
class DocsUpToDateIT {
    static final String REFRESH = "src/build/update-docs.sh";

    @Test
    void manPagesAreTheGenerated() throws IOException {
        Set<String> commands = DocsGenerator.pageNames(DocsGenerator.root()).stream().map(p -> p + ".1")
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> generated = pages(Path.of("target", "man"));
        assertThat(generated).as("pages this build generated into target/man, one per command").isEqualTo(commands);
        List<String> problems = compare(Path.of("man"), Path.of("target", "man"), pages(Path.of("man")), commands);
        assertThat(problems).as(message("man pages", problems)).isEmpty();
    }

    @Test
    void completionIsTheGenerated() throws IOException {
        List<String> problems = compare(Path.of("completions"), Path.of("target", "completions"),
                files(Path.of("completions"), "vde.bash"), Set.of("vde.bash"));
        assertThat(problems).as(message("the shell completion", problems)).isEmpty();
    }

    private static String message(String what, List<String> problems) {
        return what + " out of date (" + String.join("; ", problems) + "): run " + REFRESH
                + " and commit what it changes";
    }

    /**
     * What differs between the committed files and the generated ones: a committed file that differs is stale,
     * an expected one that is not committed is missing, a committed one that nothing generates has no command.
     */
    static List<String> compare(Path committedDir, Path generatedDir, Set<String> committed, Set<String> expected)
            throws IOException {
        List<String> problems = new ArrayList<>();
        for (String name : expected) {
            Path c = committedDir.resolve(name);
            if (!committed.contains(name)) {
                problems.add("missing " + c);
            } else if (!Arrays.equals(Files.readAllBytes(c), Files.readAllBytes(generatedDir.resolve(name)))) {
                problems.add("stale " + c);
            }
        }
        for (String name : committed) {
            if (!expected.contains(name)) {
                problems.add("no command for " + committedDir.resolve(name));
            }
        }
        return problems;
    }

    /** The section-1 pages in {@code dir}: all of them generated (the hand-written ones are in section 5). */
    static Set<String> pages(Path dir) throws IOException {
        return files(dir, "*.1");
    }

    private static Set<String> files(Path dir, String glob) throws IOException {
        Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (Stream<Path> s = Files.list(dir)) {
            PathMatcher m = dir.getFileSystem().getPathMatcher("glob:" + glob);
            s.filter(p -> m.matches(p.getFileName())).forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }
}
