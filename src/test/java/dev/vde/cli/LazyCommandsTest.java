package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * A run builds only the subcommand it names (building all of them is most of a short command's
 * start-up), and every other run (help, a mistyped command, no command) builds them all, so
 * help, {@code help COMMAND} and suggestions see every command.
 */
class LazyCommandsTest {
    private static Io io() {
        return new Io(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
    }

    @Test
    void aNamedCommandIsBuiltAlone() {
        assertThat(Main.commandLine(io(), "info", "x.vde").getSubcommands().keySet()).containsExactly("info");
        assertThat(Main.commandLine(io(), "--debug", "snapshot", "list", "x.vde").getSubcommands().keySet())
                .containsExactly("snapshot");
        assertThat(Main.commandLine(io(), "apply", "--help").getSubcommands().keySet()).containsExactly("apply");
    }

    @Test
    void helpMistakesAndNoCommandBuildThemAll() {
        int all = Main.commandLine(io()).getSubcommands().size();
        assertThat(all).isEqualTo(14);
        for (String[] args : new String[][] {{}, {"--help"}, {"--version"}, {"help", "apply"}, {"infoo", "x"},
            {"--debug"}}) {
            assertThat(Main.commandLine(io(), args).getSubcommands()).as(String.join(" ", args)).hasSize(all);
        }
        CliTest.Run r = CliTest.run("infoo", "x.vde");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.stderr()).contains("did you mean info");
        assertThat(CliTest.run("help", "apply").out()).startsWith("Usage: vde apply");
        assertThat(CliTest.run("--help").out()).contains("apply", "inspect", "dump-tree", "snapshot");
    }
}
