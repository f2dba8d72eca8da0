package dev.vde.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build step (exec-maven-plugin, pre-integration-test; src/build/update-docs.sh copies what it makes into the
 * work tree): from the picocli model of every command ({@link Main#commandLine(Io)}),
 * <ul>
 * <li>one AsciiDoc file per command for picocli's man-page templates ({@code src/docs/man/vde-*.adoc} include
 * its tagged sections and add EXIT STATUS, EXAMPLES, SEE ALSO, JSON OUTPUT; Asciidoctor turns them into troff);
 * <li>the bash/zsh completion script: picocli's static script, then {@code src/docs/completion/vde-dynamic.bash},
 * which completes snapshot and file names from the image itself.
 * </ul>
 * Arguments: the AsciiDoc directory, the templates directory, the completion script to write, the dynamic part.
 */
public final class DocsGenerator {
    /** Where the dynamic part of the completion gets the options that take a value. */
    static final String VALUE_OPTIONS = "@VALUE_OPTIONS@";

    private DocsGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: DocsGenerator ADOC_DIR TEMPLATE_DIR COMPLETION_FILE DYNAMIC_PART");
        }
        Path adoc = Path.of(args[0]);
        Path templates = Path.of(args[1]);
        manPages(adoc, templates);
        Path completion = Path.of(args[2]);
        Files.createDirectories(completion.toAbsolutePath().getParent());
        Files.writeString(completion, completion(Files.readString(Path.of(args[3]))));
    }

    /** Every command of vde, as the process builds them all (help, mistakes). */
    static CommandLine root() {
        return Main.commandLine(new Io(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream()));
    }

    /** The pages' names, one per command: vde, vde-info, vde-snapshot-create, ... */
    static List<String> pageNames(CommandLine cl) {
        List<String> names = new ArrayList<>();
        names.add(cl.getCommandSpec().qualifiedName("-"));
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!sub.getCommandSpec().usageMessage().hidden()) {
                names.addAll(pageNames(sub));
            }
        }
        return names;
    }

    static void manPages(Path adoc, Path templates) throws IOException {
        CommandLine root = root();
        forManPages(root);
        Files.createDirectories(adoc);
        int status = ManPageGenerator.generateManPage(adoc.toFile(), null, new boolean[0], false, root.getCommandSpec());
        if (status != 0) {
            throw new IllegalStateException("picocli's ManPageGenerator failed with status " + status);
        }
        List<String> missing = new ArrayList<>();
        for (String page : pageNames(root)) {
            if (!Files.exists(templates.resolve(page + ".adoc"))) {
                missing.add(templates.resolve(page + ".adoc").toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no man-page template for " + String.join(", ", missing)
                    + ": copy one of the others (each includes its command's generated sections and adds EXIT STATUS, "
                    + "EXAMPLES and SEE ALSO)");
        }
    }

    /**
     * The help texts laid out for a man page: the examples that the footer of {@code --help} starts with
     * "Examples:" become the EXAMPLES section (picocli writes a footer only under a footer heading), and the exit
     * statuses get the heading EXIT STATUS. Each line of the description becomes a paragraph of its own (picocli
     * joins them into one).
     */
    static void forManPages(CommandLine cl) {
        CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        String[] description = usage.description().clone();
        for (int i = 1; i < description.length; i++) {
            description[i] = "%n" + description[i];
        }
        usage.description(description);
        String[] footer = usage.footer();
        if (footer.length > 0 && footer[0].replace("%n", "").equals("Examples:")) {
            usage.footerHeading("Examples");
            usage.footer(Arrays.copyOfRange(footer, 1, footer.length));
        }
        usage.exitCodeListHeading("Exit status");
        cl.getSubcommands().values().forEach(DocsGenerator::forManPages);
    }

    /** picocli's completion script for every command, followed by the dynamic part. */
    static String completion(String dynamicPart) {
        CommandLine root = root();
        String script = AutoComplete.bash("vde", root);
        TreeSet<String> valueOptions = new TreeSet<>();
        collectValueOptions(root.getCommandSpec(), valueOptions);
        if (!dynamicPart.contains(VALUE_OPTIONS)) {
            throw new IllegalStateException("the dynamic part of the completion has no " + VALUE_OPTIONS);
        }
        return script + "\n" + dynamicPart.replace(VALUE_OPTIONS, String.join(" ", valueOptions));
    }

    /** Every option name that takes a value, in every command: the dynamic part skips their values. */
    private static void collectValueOptions(CommandSpec spec, TreeSet<String> out) {
        for (OptionSpec o : spec.options()) {
            if (o.arity().max() > 0) {
                out.addAll(Arrays.asList(o.names()));
            }
        }
        spec.subcommands().values().forEach(sub -> collectValueOptions(sub.getCommandSpec(), out));
    }
}
