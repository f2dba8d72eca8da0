package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The lean path ({@link Lean}) against picocli's: the same command object with the same fields,
 * and the same output and status, for every shape it takes; everything else is left to picocli.
 */
class LeanTest {
    @TempDir
    Path dir;

    private static final String[][] LEAN = {
        {"info", "x.vde"}, {"info", "x.vde", "--json"}, {"info", "--json", "x.vde"},
        {"ls", "x.vde"}, {"ls", "-l", "x.vde"}, {"ls", "x.vde", "--json"}, {"ls", "--json", "x.vde", "-l"},
        {"cat", "x.vde", "a.txt"}, {"cat", "x.vde", "x.vde"}, {"info", "help"}, {"info", "a=b"},
    };

    private static final String[][] NOT_LEAN = {
        {}, {"info"}, {"info", "--help"}, {"info", "-h", "x.vde"}, {"info", "x.vde", "--json", "--json"},
        {"info", "x.vde", "y.vde"}, {"info", "-"}, {"info", "--", "x.vde"}, {"info", "@args"}, {"info", ""},
        {"info", "x.vde", "--json=true"}, {"--debug", "info", "x.vde"}, {"info", "x.vde", "--debug"},
        {"ls", "x.vde", "--snapshot", "s"}, {"ls", "-lj", "x.vde"}, {"ls", "x.vde", "-l", "-l"},
        {"cat", "x.vde"}, {"cat", "x.vde", "-n"}, {"cat", "x.vde", "a", "--snapshot", "s"},
        {"write", "x.vde", "a"}, {"snapshot", "list", "x.vde"}, {"help", "info"}, {"infoo", "x.vde"},
        {"--version", "info"}, {"-V", "-V"}, {"info", "x.vde", "-V"},
    };

    private static Io io() {
        return new Io(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), new ByteArrayOutputStream());
    }

    @Test
    void takesItsShapesOnly() {
        for (String[] args : LEAN) {
            assertThat(Lean.parse(args)).as(String.join(" ", args)).isNotNull();
        }
        for (String[] args : NOT_LEAN) {
            assertThat(Lean.parse(args)).as(String.join(" ", args)).isNull();
        }
    }

    @Test
    void setsTheFieldsPicocliSets() throws Exception {
        for (String[] args : LEAN) {
            Object lean = Lean.parse(args);
            CommandLine cl = Main.commandLine(io(), args);
            Object picocli = cl.parseArgs(args).subcommand().commandSpec().userObject();
            assertThat(lean).as(String.join(" ", args)).hasSameClassAs(picocli);
            for (Field f : fields(lean.getClass())) {
                f.setAccessible(true);
                String what = String.join(" ", args) + ": " + f.getName();
                if (f.getType().getPackageName().equals("dev.vde.cli")) { // a mixin: its own fields
                    assertThat(f.get(lean)).as(what).usingRecursiveComparison().isEqualTo(f.get(picocli));
                } else {
                    assertThat(f.get(lean)).as(what).isEqualTo(f.get(picocli));
                }
            }
        }
    }

    /** The fields of a command that parsing sets: all but the model and the lean path's own. */
    private static List<Field> fields(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && !f.getName().equals("spec") && !f.getName().equals("lean")) {
                    out.add(f);
                }
            }
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    record Outcome(int status, String out, String err) {
    }

    /** One run through Main.run, which takes the lean path where it can. */
    private static Outcome viaRun(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new Io(new ByteArrayInputStream(new byte[0]), out, err), args);
        return new Outcome(status, out.toString(UTF_8), err.toString(UTF_8));
    }

    /** The same run through picocli alone. */
    private static Outcome viaPicocli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), out, err);
        int status = Main.commandLine(io, args).execute(args);
        io.out().flush();
        io.err().flush();
        return new Outcome(status, out.toString(UTF_8), err.toString(UTF_8));
    }

    @Test
    void printsAndExitsAsPicocli() throws Exception {
        String img = dir.resolve("x.vde").toString();
        String missing = dir.resolve("missing.vde").toString();
        Path junk = Files.write(dir.resolve("junk.vde"), new byte[65536]);
        assertThat(viaRun("format", img, "--size", "8M").status()).isZero();
        assertThat(viaRun("write", img, "a.txt", "--input", Files.writeString(dir.resolve("a"), "hello\n").toString())
                .status()).isZero();
        String[][] cases = {
            {"--version"}, {"-V"},
            {"info", img}, {"info", img, "--json"}, {"info", "--json", img}, {"info", missing}, {"info", junk.toString()},
            {"info", dir.toString()},
            {"ls", img}, {"ls", "-l", img}, {"ls", img, "--json", "-l"}, {"ls", missing},
            {"cat", img, "a.txt"}, {"cat", img, "nope"}, {"cat", missing, "a.txt"},
        };
        for (String[] args : cases) {
            Outcome lean = viaRun(args);
            assertThat(lean).as(Arrays.toString(args)).isEqualTo(viaPicocli(args));
            if (lean.status() == 0) {
                assertThat(lean.out()).as(Arrays.toString(args)).isNotEmpty();
                assertThat(lean.err()).isEmpty();
            } else {
                assertThat(lean.err()).as(Arrays.toString(args)).startsWith("vde: error: ");
            }
        }
        assertThat(viaRun("info", junk.toString()).status()).isEqualTo(ExitCodes.CORRUPT);
        assertThat(viaRun("info", missing).status()).isEqualTo(ExitCodes.NOT_FOUND);
    }
}
