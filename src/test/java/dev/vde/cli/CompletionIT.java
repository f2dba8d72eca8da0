package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The committed completion script ({@code completions/vde.bash}, equal to the generated one by
 * {@link DocsUpToDateIT}) completes for real: in bash, through the function it registers for {@code vde}, called
 * with COMP_WORDS and friends as bash sets them; in zsh, typed with TAB into an interactive zsh that loaded it
 * through bashcompinit. Snapshot and file names come from a real image made by the packaged jar, which the
 * script runs as {@code vde} from the PATH.
 */
class CompletionIT extends JarProcesses {
    private static final Path SCRIPT = Path.of("completions", "vde.bash").toAbsolutePath();
    private static final Path DRIVERS = Path.of("target", "test-classes", "dev", "vde", "cli").toAbsolutePath();

    private Path bin;
    private String img;

    @BeforeEach
    void imageWithSnapshots() throws Exception {
        bin = Files.createDirectory(dir.resolve("bin"));
        Path vde = bin.resolve("vde");
        Files.writeString(vde, "#!/bin/sh\nexec '" + JAVA + "' -jar '" + JAR + "' \"$@\"\n");
        Files.setPosixFilePermissions(vde, PosixFilePermissions.fromString("rwxr-xr-x"));
        img = dir.resolve("disk.vde").toString();
        vdeWith(null, "format", img, "--size", "4M");
        vdeWith("a", "write", img, "my file");
        vdeWith("b", "write", img, "notes.txt");
        vdeWith(null, "snapshot", "create", img, "monday");
        vdeWith(null, "snapshot", "create", img, "tue \"q\"");
        vdeWith("c", "write", img, "later.txt");
        Files.writeString(dir.resolve("data.bin"), "host file");
    }

    private void vdeWith(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("vde").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        p.getOutputStream().write(stdin == null ? new byte[0] : stdin.getBytes(UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("vde %s: %s", args, out).isZero();
    }

    /** Runs a shell with the wrapper first on the PATH, in the scratch directory; its stdout. */
    private String shell(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(dir.resolve("shell.err").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("HOME", dir.toString());
        Process p = pb.start();
        started.add(p);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(p.exitValue()).as("%s: %s %s", command, out, Files.readString(dir.resolve("shell.err"))).isZero();
        return out;
    }

    /** COMPREPLY for the cursor at the end of {@code line}, in bash. */
    private List<String> bash(String line) throws Exception {
        List<String> out = shell(List.of("bash", DRIVERS.resolve("complete.bash").toString(), SCRIPT.toString(), line))
                .lines().toList();
        assertThat(out.get(0)).as("what the script registers for vde").contains("-F _vde_complete").endsWith(" vde");
        return out.subList(1, out.size());
    }

    @Test
    void bashCompletesCommandsAndOptions() throws Exception {
        assertThat(bash("vde sn")).containsExactly("snapshot");
        assertThat(bash("vde snapshot ")).containsExactly("create", "list", "delete", "rollback");
        assertThat(bash("vde snapshot cr")).containsExactly("create");
        assertThat(bash("vde info --j")).containsExactly("--json");
        assertThat(bash("vde diff " + img + " --f")).containsExactly("--from");
    }

    @Test
    void bashCompletesSnapshotNamesFromTheImage() throws Exception {
        List<String> both = List.of("monday", "tue\\ \\\"q\\\"");
        assertThat(bash("vde cat " + img + " --snapshot ")).containsExactlyElementsOf(both);
        assertThat(bash("vde ls " + img + " --snapshot=mo")).containsExactly("monday");
        assertThat(bash("vde diff " + img + " --from monday --to t")).containsExactly(both.get(1));
        assertThat(bash("vde snapshot delete " + img + " ")).containsExactlyElementsOf(both);
        assertThat(bash("vde snapshot rollback " + img + " mo")).containsExactly("monday");
        assertThat(bash("vde cat " + dir.resolve("nothing.vde") + " --snapshot ")).as("no image, no names").isEmpty();
    }

    @Test
    void bashCompletesFileNamesFromTheImage() throws Exception {
        assertThat(bash("vde cat " + img + " ")).containsExactly("later.txt", "my\\ file", "notes.txt");
        assertThat(bash("vde cat " + img + " --snapshot monday ")).as("as the snapshot holds them")
                .containsExactly("my\\ file", "notes.txt");
        assertThat(bash("vde rm " + img + " n")).containsExactly("notes.txt");
        assertThat(bash("vde mv " + img + " my")).containsExactly("my\\ file");
        assertThat(bash("vde mv " + img + " notes.txt ")).as("NEW is not an existing name").isEmpty();
    }

    @Test
    void bashCompletesHostFilesForDeltasAndInputs() throws Exception {
        String data = dir.resolve("data.bin").toString();
        String prefix = dir.resolve("da").toString();
        assertThat(bash("vde apply " + img + " " + prefix)).containsExactly(data);
        assertThat(bash("vde inspect " + prefix)).containsExactly(data);
        assertThat(bash("vde write " + img + " f --input " + prefix)).containsExactly(data);
        assertThat(bash("vde diff " + img + " --to monday -o " + prefix)).containsExactly(data);
        assertThat(bash("vde info " + prefix)).as("IMAGE: picocli's own completion").containsExactly(data);
    }

    /** The command line after typing {@code line} and TAB into an interactive zsh. */
    private String zsh(String line) throws Exception {
        Path out = dir.resolve("zsh.out");
        Files.deleteIfExists(out);
        shell(List.of("zsh", "-f", DRIVERS.resolve("complete.zsh").toString(), SCRIPT.toString(), line, out.toString()));
        return Files.readString(out, UTF_8).stripTrailing();
    }

    @Test
    void zshLoadsItThroughBashcompinitAndCompletes() throws Exception {
        assumeTrue(ManPagesTest.onPath("zsh"), "zsh is not installed");
        assertThat(shell(List.of("zsh", "-f", "-c", "autoload -U +X compinit && compinit -u -D; "
                + "autoload -U +X bashcompinit && bashcompinit; source " + SCRIPT + " && complete -p vde")))
                .contains("complete -F _vde_complete -o default vde");
        assertThat(zsh("vde sn")).isEqualTo("vde snapshot");
        assertThat(zsh("vde info --j")).isEqualTo("vde info --json");
        assertThat(zsh("vde cat " + img + " --snapshot mo")).isEqualTo("vde cat " + img + " --snapshot monday");
        assertThat(zsh("vde cat " + img + " my")).isEqualTo("vde cat " + img + " my\\ file");
    }
}
