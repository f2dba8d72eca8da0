package dev.vde.cli;

import static dev.vde.cli.CliTest.fails;
import static dev.vde.cli.CliTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** What every command's help promises: examples, defaults, exit statuses; and help for mistakes. */
class HelpContractTest {
    private static final List<String> COMMANDS = List.of("format", "write", "cat", "ls", "rm", "mv", "info", "snapshot",
            "fsck", "dump-tree", "diff", "apply", "inspect", "help");

    private static List<CommandLine> commands() {
        CommandLine root = Main.commandLine(new Io(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream()));
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        return all;
    }

    private static void collect(CommandLine cl, List<CommandLine> out) {
        if (!(cl.getCommand() instanceof CommandLine.HelpCommand)) {
            out.add(cl);
        }
        cl.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    @Test
    void everyCommandHasTwoOrMoreExamples() {
        List<CommandLine> all = commands();
        assertThat(all).hasSizeGreaterThan(15);
        for (CommandLine cl : all) {
            long examples = java.util.Arrays.stream(cl.getCommandSpec().usageMessage().footer())
                    .filter(l -> l.startsWith("  ")).count();
            assertThat(examples).as(cl.getCommandSpec().qualifiedName()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void everyOptionWithADefaultSaysWhatItIs() {
        for (CommandLine cl : commands()) {
            CommandSpec spec = cl.getCommandSpec();
            for (OptionSpec o : spec.options()) {
                boolean flag = o.type() == boolean.class || o.type() == Boolean.class;
                if (o.defaultValue() != null && !flag && !o.usageHelp() && !o.versionHelp()) {
                    assertThat(String.join(" ", o.description())).as(spec.qualifiedName() + " " + o.longestName())
                            .containsAnyOf("default", "${DEFAULT-VALUE}");
                }
            }
        }
    }

    @Test
    void everyCommandListsItsExitStatusesAndFsckListsE2fscks() {
        for (CommandLine cl : commands()) {
            String name = cl.getCommandSpec().qualifiedName();
            String help = ok(args(name, "--help")).out();
            assertThat(help).as(name).contains("Exit status").contains("  0   ").contains("  2   usage error");
            if (name.equals("vde fsck")) {
                assertThat(help).contains("1   errors were found and all were repaired", "4   errors are left",
                        "8   the check could not run").doesNotContain("6   no space");
            } else {
                assertThat(help).as(name).contains("6   no space", "7   corrupt");
            }
        }
    }

    @Test
    void helpShowsDefaultsAndTheRootHelpShowsExamples() {
        assertThat(ok("format", "--help").out()).contains("(default:", "4096");
        assertThat(ok("write", "--help").out()).contains("--progress=WHEN", "(default: auto)");
        assertThat(ok("--help").out()).contains("Examples:", "vde snapshot create disk.vde monday", "--colour=WHEN",
                "man vde");
    }

    @Test
    void aMistypedCommandGetsTheNearestOnes() {
        assertThat(fails(2, "ifno", "disk.vde").stderr())
                .isEqualTo("vde: error: unknown command 'ifno' (did you mean info?) (see 'vde --help')\n");
        assertThat(fails(2, "snapshto", "list").stderr()).contains("unknown command 'snapshto' (did you mean snapshot?)");
        assertThat(fails(2, "--color=never", "fsk", "disk.vde").stderr()).contains("did you mean fsck?");
        assertThat(fails(2, "xyzzy").stderr()).isEqualTo("vde: error: unknown command 'xyzzy' (see 'vde --help')\n");
    }

    @Test
    void aMistypedOptionGetsPicocliSuggestion() {
        assertThat(fails(2, "info", "--jsn", "disk.vde").stderr()).contains("Unknown option: '--jsn'",
                "did you mean --json?", "see 'vde info --help'");
    }

    @Test
    void editDistanceCountsATranspositionAsOneEdit() {
        assertThat(Suggestions.editDistance("ifno", "info")).isEqualTo(1);
        assertThat(Suggestions.editDistance("snapshto", "snapshot")).isEqualTo(1);
        assertThat(Suggestions.editDistance("fsk", "fsck")).isEqualTo(1);
        assertThat(Suggestions.editDistance("", "ls")).isEqualTo(2);
        assertThat(Suggestions.editDistance("cat", "cat")).isZero();
        assertThat(Suggestions.editDistance("write", "diff")).isEqualTo(4);
        assertThat(Suggestions.near("x", COMMANDS)).isEmpty();
        assertThat(Suggestions.near("l", COMMANDS)).containsExactly("ls");
        assertThat(Suggestions.near("dum", COMMANDS)).contains("dump-tree");
    }

    private static String[] args(String qualifiedName, String extra) {
        List<String> a = new ArrayList<>(List.of(qualifiedName.split(" ")));
        a.remove(0);
        a.add(extra);
        return a.toArray(String[]::new);
    }
}
