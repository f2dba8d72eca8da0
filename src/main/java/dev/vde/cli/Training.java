package dev.vde.cli;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Builds the class-data archive ({@code target/vde.jsa}) and installs the launcher
 * ({@code target/vde}) at package time; not a command. Run by the build as
 * {@code java -cp target/vde.jar dev.vde.cli.Training JSA TEMPLATE LAUNCHER}: it starts a second
 * JVM with {@code -XX:ArchiveClassesAtExit} as the launcher starts vde ({@code java -cp} the same
 * jar {@code dev.vde.cli.Main}), with the system property {@value #PROPERTY} naming a scratch
 * directory, which makes {@link Main#main} run every common command in-process there
 * ({@link #exercise}); so the archive holds the classes a run of vde loads (picocli's, ours, Jackson's, the JDK's beyond its
 * own archive). Nothing reaches the terminal: each command's streams are files in that
 * directory, removed at the end.
 *
 * <p>The JVM maps a truncated archive without checking its length and dies of SIGBUS, so the
 * archive is written under a temporary name and moved into place whole, and the launcher is
 * installed with the archive's length ({@code @JSA_BYTES@} in the template) and uses an archive
 * only of that length. An archive the JVM cannot use (the jar rebuilt, another JDK) the JVM
 * itself refuses, and the launcher keeps it quiet.
 */
final class Training {
    /** The system property that turns {@link Main#main} into the training run, in the directory it names. */
    static final String PROPERTY = "vde.training";

    /** The placeholder in the launcher's template that becomes the archive's length in bytes. */
    static final String JSA_BYTES = "@JSA_BYTES@";

    private Training() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Training JSA TEMPLATE LAUNCHER");
            System.exit(2);
        }
        long bytes = archive(Path.of(args[0]));
        install(Path.of(args[1]), Path.of(args[2]), bytes);
    }

    /**
     * Dumps the archive to {@code jsa} from a training run in a second JVM; returns its length,
     * or 0 if this JVM cannot write one (the launcher then runs without).
     */
    static long archive(Path jsa) throws IOException, InterruptedException {
        Path jar = Path.of(Training.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toRealPath();
        if (!Files.isRegularFile(jar)) {
            throw new IOException("the archive needs the application in a jar, not in " + jar);
        }
        Path tmp = jsa.resolveSibling(jsa.getFileName() + ".tmp");
        Files.deleteIfExists(jsa);
        Files.deleteIfExists(tmp);
        Path scratch = Files.createTempDirectory("vde-training");
        try {
            // As the launcher runs vde: -cp with the jar alone and no module options (an
            // --add-exports would turn off the JDK archive's optimized module handling in the dump,
            // and so in every run that uses it).
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:ArchiveClassesAtExit=" + tmp.toAbsolutePath(),
                    // The dump names every class it leaves out (lambda forms, proxies) as a warning.
                    "-Xlog:disable", "-Xlog:all=error:stderr",
                    "-D" + PROPERTY + "=" + scratch, "-cp", jar.toString(), Main.class.getName()));
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            int status = p.waitFor();
            if (status != 0) {
                throw new IOException("the training run failed with status " + status + ": " + String.join(" ", cmd));
            }
        } finally {
            try (Stream<Path> s = Files.walk(scratch)) {
                for (Path f : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(f);
                }
            }
        }
        if (!Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
            System.err.println("vde: warning: this JVM wrote no class-data archive; the launcher runs without one");
            Files.deleteIfExists(tmp);
            return 0;
        }
        Files.move(tmp, jsa, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return Files.size(jsa);
    }

    /** Writes the launcher from its template with the archive's length, executable. */
    static void install(Path template, Path launcher, long jsaBytes) throws IOException {
        String text = Files.readString(template, StandardCharsets.UTF_8);
        if (!text.contains(JSA_BYTES)) {
            throw new IOException(template + " has no " + JSA_BYTES);
        }
        Path tmp = launcher.resolveSibling(launcher.getFileName() + ".tmp");
        Files.writeString(tmp, text.replace(JSA_BYTES, Long.toString(jsaBytes)), StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // a file system without POSIX permissions: the plain executable bit is all there is
            tmp.toFile().setExecutable(true, false);
        }
        Files.move(tmp, launcher, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** One command of the training run: its arguments, standard input (or none) and expected status. */
    private record Step(int status, Path stdin, String... args) {
    }

    /** Runs the common commands, as a user would, through {@link Main#run}; fails on an unexpected status. */
    static void exercise(Path dir) throws IOException {
        String img = dir.resolve("t.vde").toString();
        String replica = dir.resolve("r.vde").toString();
        String full = dir.resolve("full.rdlt").toString();
        String delta = dir.resolve("next.rdlt").toString();
        Path data = dir.resolve("data.bin");
        byte[] bytes = new byte[300_000];
        new Random(1).nextBytes(bytes);
        Files.write(data, bytes);
        Path text = dir.resolve("text.txt");
        Files.writeString(text, "hello, vde\n");
        List<Step> steps = List.of(
                new Step(0, null, "--version"),
                new Step(0, null, "--help"),
                new Step(0, null, "info", "--help"),
                new Step(0, null, "format", img, "--size", "64M"),
                new Step(0, null, "format", replica, "--size", "64M"),
                new Step(0, text, "write", img, "hello.txt"),
                new Step(0, null, "write", img, "data.bin", "--input", data.toString()),
                new Step(0, text, "write", img, "sparse.bin", "--offset", "1M"),
                new Step(0, null, "ls", img),
                new Step(0, null, "ls", "-l", img),
                new Step(0, null, "ls", img, "--json"),
                new Step(0, null, "info", img),
                new Step(0, null, "info", img, "--json"),
                new Step(0, null, "cat", img, "data.bin"),
                new Step(0, null, "snapshot", "create", img, "base"),
                new Step(0, null, "snapshot", "list", img),
                new Step(0, text, "write", img, "hello.txt", "--truncate"),
                new Step(0, null, "write", img, "data.bin", "--offset", "64K", "--input", text.toString()),
                new Step(0, null, "mv", img, "sparse.bin", "moved.bin"),
                new Step(0, null, "rm", img, "moved.bin"),
                new Step(0, null, "snapshot", "create", img, "next", "--json"),
                new Step(0, null, "snapshot", "list", img, "--json"),
                new Step(0, null, "cat", img, "hello.txt", "--snapshot", "base"),
                new Step(0, null, "ls", img, "--snapshot", "base"),
                new Step(0, null, "diff", img, "--to", "base", "-o", full),
                new Step(0, null, "diff", img, "--from", "base", "--to", "next", "-o", delta, "--json"),
                new Step(0, null, "inspect", delta),
                new Step(0, null, "inspect", delta, "--json"),
                new Step(0, null, "apply", replica, full),
                new Step(0, null, "apply", replica, delta, "--dry-run"),
                new Step(0, Path.of(delta), "apply", replica, "-"),
                new Step(0, null, "fsck", img),
                new Step(0, null, "fsck", replica, "--json"),
                new Step(0, null, "dump-tree", img),
                new Step(0, null, "dump-tree", img, "data.bin", "--json"),
                new Step(0, null, "snapshot", "rollback", img, "base"),
                new Step(0, null, "snapshot", "delete", img, "next"),
                new Step(ExitCodes.NOT_FOUND, null, "info", dir.resolve("missing.vde").toString()),
                new Step(ExitCodes.USAGE, null, "info", img, "--no-such-option"));
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        for (Step s : steps) {
            int status;
            try (InputStream in = new FileInputStream((s.stdin() == null ? empty : s.stdin()).toFile());
                    OutputStream o = new FileOutputStream(out.toFile());
                    OutputStream e = new FileOutputStream(err.toFile())) {
                status = Main.run(new Io(in, o, e), s.args());
            }
            if (status != s.status()) {
                System.err.println("vde training: status " + status + " (expected " + s.status() + ") from vde "
                        + String.join(" ", s.args()) + ": " + Files.readString(err, StandardCharsets.UTF_8).strip());
                System.exit(1);
            }
        }
    }
}
