package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vde in a real terminal, as a user sees it: a tmux pane running bash, driven with send-keys and
 * read with capture-pane. Colour appears on the terminal and not through a pipe or with NO_COLOR;
 * progress is drawn while work is slow and erased when it ends. {@code .ci/run} installs tmux.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TerminalIT extends JarProcesses {
    private static final String ESC = "\u001b[";
    private String socket;
    private String img;
    private int step;

    @BeforeEach
    void startTmux() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")), "tmux is not installed (.ci/run installs it)");
        socket = "vde-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        img = dir.resolve("disk.vde").toString();
        Path rc = dir.resolve("rc");
        Files.writeString(rc, "PS1='$ '\nunset NO_COLOR\nvde() { '" + JAVA + "' -jar '" + JAR + "' \"$@\"; }\n");
        tmux("new-session", "-d", "-x", "160", "-y", "50", "-e", "TERM=xterm-256color",
                "bash --noprofile --rcfile '" + rc + "' -i");
        type("vde format " + img + " --size 64M && printf 'hello' | vde write " + img + " notes.txt");
    }

    @AfterEach
    void stopTmux() throws Exception {
        if (socket != null) {
            new ProcessBuilder("tmux", "-L", socket, "kill-server").start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void colourOnTheTerminalOnlyAndNeverWithNoColorNeverOrAPipe() throws Exception {
        assertThat(type("vde ls " + img)).as("ls on a terminal").contains(ESC).contains("notes.txt");
        assertThat(type("vde info " + img)).as("info on a terminal").contains(ESC);
        assertThat(type("vde fsck " + img)).as("fsck on a terminal").contains(ESC);
        assertThat(type("vde info --help")).as("help on a terminal").contains(ESC);
        assertThat(type("NO_COLOR=1 vde ls " + img)).doesNotContain(ESC).contains("notes.txt");
        assertThat(type("vde ls --color=never " + img)).doesNotContain(ESC).contains("notes.txt");
        assertThat(type("vde ls " + img + " | cat")).doesNotContain(ESC).contains("notes.txt");
        assertThat(type("vde info --help | cat")).doesNotContain(ESC).contains("Usage: vde info");
    }

    @Test
    void progressIsDrawnWhileAWriteWaitsAndErasedWhenItEnds() throws Exception {
        String done = send("{ head -c 8M /dev/zero; sleep 4; head -c 8M /dev/zero; } | vde write " + img + " big");
        String during = waitFor(s -> s.contains("write 8.0 MiB") && s.contains("/s"), "a progress line");
        assertThat(during).as("the progress line while the input pauses").containsPattern("write 8\\.0 MiB  [0-9.]+ [KMG]?i?B/s");
        String after = waitFor(s -> s.contains(done), "the end of the write");
        assertThat(after).as("the line is erased at the end").doesNotContain("write 8.0 MiB").doesNotContain("/s");
        assertThat(type("vde ls -l --color=never " + img + " | grep big")).contains(" 16777216 ");
    }

    @Test
    void progressOfASlowReaderShowsTheTotalAndTimeLeft() throws Exception {
        type("head -c 4M /dev/urandom | vde write " + img + " four");
        String done = send("vde cat " + img + " four | while [ \"$(head -c 65536 | wc -c)\" -gt 0 ]; do sleep 0.05; done");
        String during = waitFor(s -> s.contains("ETA"), "a progress line with the time left");
        assertThat(during).containsPattern("cat +[0-9]+% \\[#* *\\] [0-9.]+ [KM]iB of 4\\.0 MiB  [0-9.]+ [KM]iB/s  ETA [0-9]+:[0-9]{2}");
        assertThat(waitFor(s -> s.contains(done), "the end of cat")).doesNotContain("ETA");
        assertThat(type("vde cat " + img + " four --progress=never | (sleep 1; wc -c)")).contains("4194304")
                .doesNotContain("ETA");
    }

    /** Types a command, waits for it to finish, and returns the pane (with escapes) since it was typed. */
    private String type(String command) throws Exception {
        String done = send(command);
        String pane = waitFor(s -> s.contains(done), "'" + command + "' to finish");
        return pane.substring(0, pane.indexOf(done));
    }

    /** Clears the pane and types a command followed by an end marker; returns the marker. */
    private String send(String command) throws Exception {
        String marker = "END-OF-STEP-" + (++step);
        tmux("send-keys", "-t", "0", "clear", "Enter");
        waitFor(s -> s.strip().equals("$"), "a cleared pane");
        // printf '%s' 'END-...' in two pieces: the typed command line itself never contains the marker.
        tmux("send-keys", "-t", "0", "-l", command + "; printf '\\n%s%s\\n' END-OF-STEP- " + step);
        tmux("send-keys", "-t", "0", "Enter");
        return marker;
    }

    private String waitFor(Predicate<String> ready, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String pane = "";
        while (System.nanoTime() < deadline) {
            pane = tmux("capture-pane", "-p", "-e", "-t", "0");
            if (ready.test(pane)) {
                return pane;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + "; the pane shows:\n" + pane);
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("tmux %s: %s", String.join(" ", args), out).isZero();
        return out;
    }
}
