package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher {@code target/vde} (src/main/sh/vde, installed by the build with the class-data
 * archive {@code target/vde.jsa}): it runs the same program as {@code java -jar target/vde.jar}
 * with the same arguments, streams and exit status, uses the archive, and stays quiet when the
 * archive does not fit. No timing here: src/bench/startup.sh measures.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LauncherIT extends JarProcesses {
    static final Path LAUNCHER = JAR.resolveSibling("vde");
    static final Path ARCHIVE = JAR.resolveSibling("vde.jsa");

    record Result(int status, byte[] out, String err) {
        String stdout() {
            return new String(out, UTF_8);
        }
    }

    Path img;

    @BeforeAll
    static void launcherExists() {
        assumeTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " does not exist: run 'mvn -B verify' (or package first)");
    }

    @BeforeEach
    void image() throws Exception {
        img = dir.resolve("disk.vde");
        assertThat(jar("format", img.toString(), "--size", "16M").status()).isZero();
        Path hello = Files.writeString(dir.resolve("hello"), "hello, vde\n");
        assertThat(jar("write", img.toString(), "hello.txt", "--input", hello.toString()).status()).isZero();
    }

    /** Runs {@code cmd} with stdin from a file (or an empty one) and both outputs to files. */
    private Result run(Map<String, String> env, Path stdin, List<String> cmd) throws Exception {
        Path in = stdin != null ? stdin : Files.write(Files.createTempFile(dir, "in", ""), new byte[0]);
        Path out = Files.createTempFile(dir, "out", "");
        Path err = Files.createTempFile(dir, "err", "");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        environment(pb, env);
        Process p = pb.start();
        started.add(p);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
    }

    /** The environment of a run: no VDE_ settings or JVM choice from outside, the test's JVM as JAVA. */
    private static void environment(ProcessBuilder pb, Map<String, String> env) {
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("VDE_") || k.equals("JAVA") || k.equals("JAVA_HOME")
                || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
        e.put("JAVA", JAVA);
        e.putAll(env);
        e.values().removeIf(String::isEmpty);
    }

    private Result vde(String... args) throws Exception {
        return viaLauncher(Map.of(), LAUNCHER, args);
    }

    private Result viaLauncher(Map<String, String> env, Path launcher, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
        cmd.addAll(Arrays.asList(args));
        return run(env, null, cmd);
    }

    private Result jar(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
        cmd.addAll(Arrays.asList(args));
        return run(Map.of(), null, cmd);
    }

    @Test
    void runsWhatJavaDashJarRuns() throws Exception {
        String image = img.toString();
        String missing = dir.resolve("missing.vde").toString();
        String[][] cases = {
            {"--version"}, {"--help"}, {"info", image}, {"info", image, "--json"}, {"ls", "-l", image},
            {"cat", image, "hello.txt"}, {"snapshot", "list", image, "--json"}, {"fsck", image, "--json"},
            {"dump-tree", image, "hello.txt"}, {"info", missing}, {"cat", image, "nope"}, {"bogus"},
            {"ls", image, "--bogus"}, {"info"},
        };
        for (String[] args : cases) {
            Result viaJar = jar(args);
            Result viaLauncher = vde(args);
            String what = String.join(" ", args);
            assertThat(viaLauncher.status()).as("status of %s", what).isEqualTo(viaJar.status());
            assertThat(viaLauncher.stdout()).as("stdout of %s", what).isEqualTo(viaJar.stdout());
            assertThat(viaLauncher.err()).as("stderr of %s", what).isEqualTo(viaJar.err());
        }
        assertThat(vde("info", missing).status()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(vde("bogus").status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void binaryDataThroughPipesAndArgumentsUnchanged() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        for (int i = 0; i < 256; i++) {
            data[i] = (byte) i; // every byte value, newline and NUL included
        }
        String name = "a b*'q\"$HOME\\x";
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "write", img.toString(), name)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("w.err").toFile());
        environment(pb, Map.of());
        Process w = pb.start();
        started.add(w);
        try (OutputStream stdin = w.getOutputStream()) {
            for (int off = 0; off < data.length; off += 65536) {
                stdin.write(data, off, Math.min(65536, data.length - off));
            }
        }
        assertThat(w.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(w.exitValue()).as(Files.readString(dir.resolve("w.err"))).isZero();
        assertThat(vde("ls", img.toString()).stdout()).isEqualTo(name + "\nhello.txt\n");

        pb = new ProcessBuilder(LAUNCHER.toString(), "cat", img.toString(), name)
                .redirectInput(ProcessBuilder.Redirect.from(Files.write(dir.resolve("empty"), new byte[0]).toFile()))
                .redirectError(dir.resolve("c.err").toFile());
        environment(pb, Map.of());
        Process c = pb.start();
        started.add(c);
        byte[] got;
        try (InputStream stdout = c.getInputStream()) {
            got = stdout.readAllBytes();
        }
        assertThat(c.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(c.exitValue()).isZero();
        assertThat(Files.readString(dir.resolve("c.err"))).isEmpty();
        assertThat(Arrays.equals(got, data)).as("cat returns the bytes written").isTrue();

        // A reader that goes away: the status of a process killed by SIGPIPE, through exec.
        pb = new ProcessBuilder(LAUNCHER.toString(), "cat", img.toString(), name)
                .redirectInput(dir.resolve("empty").toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        environment(pb, Map.of());
        Process h = pb.start();
        started.add(h);
        assertThat(h.getInputStream().read()).isEqualTo(0);
        h.getInputStream().close();
        assertThat(h.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(h.exitValue()).isEqualTo(ExitCodes.BROKEN_PIPE);
    }

    /** The classes {@code -Xlog:class+load} names as loaded from the archive's top (dynamic) layer. */
    private List<String> fromArchive(Path launcher, String... args) throws Exception {
        Path log = Files.createTempFile(dir, "classes", ".log");
        Result r = viaLauncher(Map.of("VDE_JAVA_OPTS", "-Xlog:class+load=info:file=" + log), launcher, args);
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> top = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.endsWith("source: shared objects file (top)")) {
                top.add(line.replaceAll("^.*\\] (\\S+) source: .*$", "$1"));
            }
        }
        return top;
    }

    @Test
    void theArchiveIsUsed() throws Exception {
        assertThat(ARCHIVE).isRegularFile();
        assertThat(Files.readString(LAUNCHER)).contains("jsa_bytes=" + Files.size(ARCHIVE) + "\n");
        // the lean path (no picocli), and a command parsed by picocli
        assertThat(fromArchive(LAUNCHER, "info", img.toString())).contains("dev.vde.cli.Main", "dev.vde.cli.Lean",
                "dev.vde.cli.InfoCommand", "dev.vde.image.Image");
        assertThat(fromArchive(LAUNCHER, "snapshot", "list", img.toString())).contains("dev.vde.cli.SnapshotCommand",
                "picocli.CommandLine", "picocli.CommandLine$Model$CommandSpec");
        // through a chain of symbolic links, absolute then relative
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("vde"), LAUNCHER);
        Files.createSymbolicLink(bin.resolve("v"), Path.of("vde"));
        assertThat(fromArchive(bin.resolve("v"), "ls", img.toString())).contains("dev.vde.cli.Main");
    }

    @Test
    void anArchiveThatDoesNotFitIsQuiet() throws Exception {
        String expected = vde("info", img.toString()).stdout();
        // A copy of the installation elsewhere: the archive names the jar at its build path.
        Path copy = Files.createDirectory(dir.resolve("copy"));
        for (Path f : List.of(LAUNCHER, JAR, ARCHIVE)) {
            Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Path launcher = copy.resolve("vde");
        assertQuiet(launcher, expected, "a copy elsewhere");
        Files.setLastModifiedTime(copy.resolve("vde.jar"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertQuiet(launcher, expected, "a jar with a new modification time");
        // Truncated: the JVM would map it without checking its length and die of SIGBUS.
        byte[] archive = Files.readAllBytes(ARCHIVE);
        Files.write(copy.resolve("vde.jsa"), Arrays.copyOf(archive, archive.length / 2));
        assertQuiet(launcher, expected, "a truncated archive");
        Files.write(copy.resolve("vde.jsa"), new byte[0]);
        assertQuiet(launcher, expected, "an empty archive");
        byte[] junk = new byte[archive.length];
        new Random(8).nextBytes(junk);
        Files.write(copy.resolve("vde.jsa"), junk);
        assertQuiet(launcher, expected, "junk of the archive's length");
        Files.delete(copy.resolve("vde.jsa"));
        assertQuiet(launcher, expected, "no archive");
        // The installed archive with sharing asked off, and a JVM option of the user's.
        Result r = viaLauncher(Map.of("VDE_JAVA_OPTS", "-Xshare:off -Xmx64m"), LAUNCHER, "info", img.toString());
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).isEqualTo(expected);
        assertThat(r.err()).isEmpty();
    }

    private void assertQuiet(Path launcher, String expected, String what) throws Exception {
        Result r = viaLauncher(Map.of(), launcher, "info", img.toString());
        assertThat(r.err()).as("stderr with %s", what).isEmpty();
        assertThat(r.status()).as("status with %s", what).isZero();
        assertThat(r.stdout()).as("stdout with %s", what).isEqualTo(expected);
    }

    @Test
    void javaJavaHomeAndVdeJavaOptsAreHonoured() throws Exception {
        // A java that notes its arguments, then runs the real one.
        Path home = Files.createDirectories(dir.resolve("jdk/bin"));
        Path fake = home.resolve("java");
        Path args = dir.resolve("args");
        Files.writeString(fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + args + "'\nexec '" + JAVA + "' \"$@\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));

        Result r = viaLauncher(Map.of("JAVA", fake.toString(), "VDE_JAVA_OPTS", "-Dvde.a=1  -Dvde.b=2"), LAUNCHER,
                "--version");
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).startsWith("vde ");
        List<String> seen = Files.readAllLines(args);
        assertThat(seen).containsSubsequence("-Dvde.a=1", "-Dvde.b=2", "-cp", JAR.toString(), "dev.vde.cli.Main",
                "--version");
        assertThat(seen).noneMatch(a -> a.contains("add-exports"));
        assertThat(seen).contains("-XX:SharedArchiveFile=" + ARCHIVE);
        assertThat(seen.get(seen.size() - 1)).isEqualTo("--version");

        Files.delete(args);
        r = viaLauncher(Map.of("JAVA", "", "JAVA_HOME", home.getParent().toString()), LAUNCHER, "info", img.toString());
        assertThat(r.status()).isZero();
        assertThat(Files.readAllLines(args)).containsSubsequence("-cp", JAR.toString(), "info", img.toString());
    }

    /**
     * On a terminal (a pseudo-terminal from script(1)), diff refuses to write binary to it: the
     * launcher leaves the streams alone, and vde tells a terminal from /proc, without Jansi's
     * native library.
     */
    @Test
    void aTerminalIsToldWithoutNativeCode() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no script(1) to make a pseudo-terminal");
        assertThat(vde("snapshot", "create", img.toString(), "s").status()).isZero();
        Path log = dir.resolve("tty.log");
        String inner = "'" + LAUNCHER + "' diff '" + img + "' --to s";
        Result r = run(Map.of("VDE_JAVA_OPTS", "-Xlog:class+load=info:file=" + log), null,
                List.of("/usr/bin/script", "-qec", inner, "/dev/null"));
        assertThat(r.stdout()).contains("refusing to write a binary delta to a terminal");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(Files.readString(log)).contains("dev.vde.cli.DiffCommand").doesNotContain("jansi.internal.CLibrary");
    }
}
