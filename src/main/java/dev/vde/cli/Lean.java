package dev.vde.cli;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lean path: the runs scripts make most, parsed without picocli. {@code vde --version} (or
 * {@code -V}), {@code vde info IMAGE [--json]}, {@code vde ls IMAGE [-l] [--json]} and
 * {@code vde cat IMAGE NAME}, with the flags in any order after the command. Building picocli's
 * model of even one command reads its annotations by reflection, and the JVM spins a proxy class
 * for each annotation type on the way (no class-data archive of JDK 17 holds those): with the
 * archive, that was about half of a {@code vde info} run.
 *
 * <p>Only these exact shapes are taken: any other option, a repeated flag, {@code --},
 * {@code --debug}, an {@code @file}, an argument that starts with {@code -} or {@code @} or is
 * empty goes to picocli, which parses it as before. The command object is the one picocli would
 * run, its fields set as picocli would set them ({@code LeanTest} compares both, field by field,
 * and the output and status of both paths); failures are reported by {@link Main#failed}, as
 * picocli's handler does.
 */
final class Lean {
    /** What {@link #run} returns for arguments that are none of its shapes. */
    static final int NOT_MINE = -1;

    private Lean() {
    }

    /** Runs {@code args} if they are a lean shape and returns the exit status, else {@link #NOT_MINE}. */
    static int run(Io io, String... args) throws Exception {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // As picocli prints them: each line through String.format; the lines hold no % and no markup.
            PrintWriter out = io.out();
            for (String line : new Main.Version().getVersion()) {
                out.println(line);
            }
            return ExitCodes.OK;
        }
        ImageCommand command = parse(args);
        if (command == null) {
            return NOT_MINE;
        }
        Main main = new Main(io);
        command.lean = main;
        try {
            return command.call();
        } catch (Exception e) {
            return Main.failed(main, e);
        }
    }

    /** The command {@code args} name with its fields set, or null if they are not a lean shape. */
    static ImageCommand parse(String... args) {
        if (args.length < 2) {
            return null;
        }
        List<String> flags = new ArrayList<>(2);
        List<String> words = new ArrayList<>(2);
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.isEmpty() || a.charAt(0) == '@') {
                return null;
            }
            if (a.charAt(0) != '-') {
                words.add(a);
            } else if (flags.contains(a)) {
                return null; // picocli refuses a repeated option
            } else {
                flags.add(a);
            }
        }
        try {
            switch (args[0]) {
                case "info": {
                    if (words.size() != 1 || !List.of("--json").containsAll(flags)) {
                        return null;
                    }
                    InfoCommand c = new InfoCommand();
                    c.image = Path.of(words.get(0));
                    c.json = flags.contains("--json");
                    return c;
                }
                case "ls": {
                    if (words.size() != 1 || !List.of("-l", "--json").containsAll(flags)) {
                        return null;
                    }
                    LsCommand c = new LsCommand();
                    c.image = Path.of(words.get(0));
                    c.longFormat = flags.contains("-l");
                    c.json = flags.contains("--json");
                    return c;
                }
                case "cat": {
                    if (words.size() != 2 || !flags.isEmpty()) {
                        return null;
                    }
                    CatCommand c = new CatCommand();
                    c.image = Path.of(words.get(0));
                    c.name = words.get(1);
                    return c;
                }
                default:
                    return null;
            }
        } catch (InvalidPathException e) {
            return null; // picocli's message for it
        }
    }
}
