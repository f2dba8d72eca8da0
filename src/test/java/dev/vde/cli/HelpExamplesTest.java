package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every example in every command's help fits on one line of the 80-column help, so it can be copied. */
class HelpExamplesTest {
    @Test
    void examplesNeverWrap() {
        CommandLine root = Main.commandLine(new Io(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream()));
        List<String> examples = new ArrayList<>();
        collect(root, examples);
        assertThat(examples).as("examples found").hasSizeGreaterThan(20);
        int width = root.getCommandSpec().usageMessage().width();
        assertThat(examples).allSatisfy(e -> assertThat(e.length()).as(e).isLessThan(width));
    }

    private static void collect(CommandLine cl, List<String> out) {
        for (String line : cl.getCommandSpec().usageMessage().footer()) {
            if (line.startsWith("  vde ") || line.startsWith("  gunzip") || line.startsWith("  ssh")) {
                out.add(line);
            }
        }
        cl.getSubcommands().values().forEach(sub -> collect(sub, out));
    }
}
