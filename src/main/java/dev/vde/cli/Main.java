package dev.vde.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code vde} command: parses, dispatches to a subcommand and maps failures to exit statuses. */
@Command(name = "vde",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Work with VDE disk images: files mapped by extent trees, atomic commits, "
                + "copy-on-write data and snapshots.",
        footer = {"%nExamples:",
            "  vde format disk.vde --size 10G",
            "  tar c docs | vde write disk.vde docs.tar",
            "  vde snapshot create disk.vde monday",
            "  vde diff disk.vde --from sun --to mon | ssh backup vde apply copy.vde -",
            "%nRun 'vde COMMAND --help' for a command's options; man vde for more."})
public final class Main implements Runnable {
    /**
     * The subcommands, in help order. They are registered by {@link #commandLine(Io, String...)},
     * not by the annotation: picocli builds the model of every registered command up front
     * (about 300 ms for all of them, most of a short command's run), so a run names the one it
     * needs and only that one is built.
     */
    private static final Map<String, Class<?>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("format", FormatCommand.class);
        COMMANDS.put("write", WriteCommand.class);
        COMMANDS.put("cat", CatCommand.class);
        COMMANDS.put("ls", LsCommand.class);
        COMMANDS.put("rm", RmCommand.class);
        COMMANDS.put("mv", MvCommand.class);
        COMMANDS.put("info", InfoCommand.class);
        COMMANDS.put("snapshot", SnapshotCommand.class);
        COMMANDS.put("fsck", FsckCommand.class);
        COMMANDS.put("dump-tree", DumpTreeCommand.class);
        COMMANDS.put("diff", DiffCommand.class);
        COMMANDS.put("apply", ApplyCommand.class);
        COMMANDS.put("inspect", InspectCommand.class);
        COMMANDS.put("help", CommandLine.HelpCommand.class);
    }

    /** The image a command is working on, named in error messages. */
    String currentImage;
    final Io io;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print a stack trace on errors (also VDE_DEBUG=1).")
    boolean debug;

    @Option(names = {"--color", "--colour"}, paramLabel = "WHEN", defaultValue = "auto",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Colour text output and help: auto (when standard output is a terminal and NO_COLOR is "
                    + "unset), always or never (default: ${DEFAULT-VALUE}).")
    Style.When color = Style.When.auto;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    Main(Io io) {
        this.io = io;
    }

    @Override
    public void run() {
        // The configured command line (not a new one): its error stream is this run's stderr.
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) throws IOException {
        String training = System.getProperty(Training.PROPERTY);
        if (training != null) {
            // The build's training run for the class-data archive, started as the launcher starts
            // vde, so the archive is made under the same settings (see Training).
            Training.exercise(java.nio.file.Path.of(training));
            return;
        }
        System.exit(run(Io.system(), args));
    }

    /** Runs one command line and returns its exit status. */
    public static int run(Io io, String... args) {
        try {
            int status = Lean.run(io, args);
            return status != Lean.NOT_MINE ? status : commandLine(io, args).execute(args);
        } catch (Throwable t) {
            // Errors (out of memory, a fault in a mapping) bypass picocli's exception handler.
            ExitCodes.Failure f = ExitCodes.classify(t);
            if (f.message() != null) {
                io.err().println("vde: error: " + ExitCodes.oneLine(f.message()));
            }
            if (debugWanted(java.util.Arrays.asList(args).contains("--debug"))) {
                t.printStackTrace(io.err());
            }
            return f.status();
        } finally {
            io.out().flush();
            io.err().flush();
        }
    }

    /** A configured command line with every subcommand, writing to {@code io}. */
    public static CommandLine commandLine(Io io) {
        return commandLine(io, (String[]) null);
    }

    /**
     * A configured command line for {@code args}: with only the subcommand they name when they
     * name one (after root options such as {@code --debug}), else with all of them (for help,
     * {@code help COMMAND}, suggestions for a mistyped command). Null: all of them.
     */
    public static CommandLine commandLine(Io io, String... args) {
        Main main = new Main(io);
        CommandLine cl = new CommandLine(main);
        String only = args == null ? null : named(args);
        for (Map.Entry<String, Class<?>> c : COMMANDS.entrySet()) {
            if (only == null || only.equals(c.getKey())) {
                cl.addSubcommand(c.getKey(), c.getValue());
            }
        }
        cl.setOut(io.out());
        cl.setErr(io.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // As GNU tools: a later --color=never overrides an earlier one (an alias may hold the first).
        cl.setOverwrittenOptionsAllowed(true);
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (String line : ExitCodes.LIST) {
            int colon = line.indexOf(':');
            exitCodes.put(line.substring(0, colon), line.substring(colon + 1));
        }
        applyExitCodes(cl, exitCodes);
        // Asking the terminal loads a native library: only when help will be drawn.
        boolean helpColour = asksForHelp(args)
                && Style.of(colorOption(args), io.isProcessStdout(), System.getenv(), Style::isatty).enabled();
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(
                helpColour ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        cl.setParameterExceptionHandler((ex, given) -> {
            // One line, as for every other error: the hint and any suggestions join the message.
            StringBuilder msg = new StringBuilder(String.valueOf(ex.getMessage()));
            if (ex instanceof CommandLine.UnmatchedArgumentException u) {
                List<String> suggestions = u.getSuggestions();
                String first = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
                if (ex.getCommandLine() == cl && !first.startsWith("-")) {
                    // The first word after the root options names no command.
                    msg = new StringBuilder("unknown command '" + first + "'");
                    List<String> near = Suggestions.near(first, COMMANDS.keySet());
                    suggestions = near.isEmpty() ? suggestions : near;
                }
                if (!suggestions.isEmpty()) {
                    msg.append(" (did you mean ").append(String.join(" or ", suggestions)).append("?)");
                }
            }
            msg.append(" (see '").append(ex.getCommandLine().getCommandSpec().qualifiedName()).append(" --help')");
            ex.getCommandLine().getErr().println("vde: error: " + ExitCodes.oneLine(msg.toString()));
            return ExitCodes.classify(ex).status();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> failed(main, ex));
        return cl;
    }

    /** Reports the failure of a command's run on stderr (one line; a stack trace on request); returns its status. */
    static int failed(Main main, Exception ex) {
        ExitCodes.Failure f = ExitCodes.classify(ex);
        if (f.message() != null) {
            // A damaged image is named; a damaged delta names itself (its source, record and offset).
            boolean aboutDelta = ex instanceof dev.vde.delta.CorruptDeltaException
                    || ex instanceof dev.vde.delta.UnsupportedDeltaException;
            String where = main.currentImage != null && f.status() == ExitCodes.CORRUPT && !aboutDelta
                    && !f.message().contains(main.currentImage) ? main.currentImage + ": " : "";
            main.io.err().println("vde: error: " + ExitCodes.oneLine(where + f.message()));
        }
        if (debugWanted(main.debug)) {
            ex.printStackTrace(main.io.err());
        }
        return f.status();
    }

    /** The subcommand {@code args} name, or null when they name none or ask for help on them all. */
    private static String named(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--debug") || a.startsWith("--color=") || a.startsWith("--colour=")) {
                continue;
            }
            if (a.equals("--color") || a.equals("--colour")) {
                i++; // its value
                continue;
            }
            return COMMANDS.containsKey(a) && !a.equals("help") ? a : null;
        }
        return null;
    }

    /** True if {@code args} (null: unknown) may print usage help on standard output. */
    private static boolean asksForHelp(String[] args) {
        // -h alone or in a cluster of short options (-Vh)
        return args == null || java.util.Arrays.stream(args).anyMatch(a -> a.equals("--help") || a.equals("help")
                || a.startsWith("-") && !a.startsWith("--") && a.indexOf('h') > 0);
    }

    /**
     * The {@code --color} a command line gives (the last one wins, as picocli parses it), or auto.
     * Help is drawn before the parsed value could be read, so it is looked for here.
     */
    static Style.When colorOption(String[] args) {
        Style.When when = Style.When.auto;
        for (int i = 0; args != null && i < args.length; i++) {
            String a = args[i];
            String v = null;
            if (a.startsWith("--color=") || a.startsWith("--colour=")) {
                v = a.substring(a.indexOf('=') + 1);
            } else if ((a.equals("--color") || a.equals("--colour")) && i + 1 < args.length) {
                v = args[i + 1];
            } else if (a.equals("--")) {
                break;
            }
            if (v != null) {
                try {
                    when = Style.When.valueOf(v.toLowerCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) { // picocli reports the bad value itself
                }
            }
        }
        return when;
    }


    /** Stack traces on errors: asked for with --debug or VDE_DEBUG=1. */
    private static boolean debugWanted(boolean option) {
        return option || "1".equals(System.getenv("VDE_DEBUG"));
    }

    private static void applyExitCodes(CommandLine cl, Map<String, String> codes) {
        if (cl.getCommandSpec().usageMessage().exitCodeList().isEmpty()) { // fsck has its own (e2fsck's)
            cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit status:%n").exitCodeList(codes);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            applyExitCodes(sub, codes);
        }
    }

    /** Version of the tool and of the formats it reads and writes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {
                "vde " + p.getProperty("version", "unknown"),
                "image format: reads and writes version " + dev.vde.format.Superblock.FORMAT_VERSION,
                "delta format (.rdlt): reads and writes version " + dev.vde.delta.DeltaFormat.VERSION,
            };
        }
    }
}
