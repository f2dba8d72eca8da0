package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command and every documented exit status, driven in-process through {@link Main#commandLine}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path img;

    /** The outcome of one command line. */
    record Run(int status, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, UTF_8);
        }
    }

    static Run run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(stdin), out, err);
        // The path the vde process takes: only the subcommand named is built.
        int status = Main.commandLine(io, args).execute(args);
        io.out().flush();
        io.err().flush();
        return new Run(status, out.toByteArray(), err.toString(UTF_8));
    }

    static Run run(String... args) {
        return run(new byte[0], args);
    }

    static Run ok(String... args) {
        return ok(new byte[0], args);
    }

    static Run ok(byte[] stdin, String... args) {
        Run r = run(stdin, args);
        assertThat(r.stderr()).as("stderr of %s", Arrays.toString(args)).isEmpty();
        assertThat(r.status()).as("status of %s", Arrays.toString(args)).isZero();
        return r;
    }

    /** Asserts the error contract: exact status, one line on stderr, no stack trace, nothing on stdout. */
    static Run fails(int status, byte[] stdin, String... args) {
        Run r = run(stdin, args);
        assertError(r, status, Arrays.toString(args));
        return r;
    }

    static Run fails(int status, String... args) {
        return fails(status, new byte[0], args);
    }

    static void assertError(Run r, int status, String what) {
        assertThat(r.status()).as("status of %s (stderr: %s)", what, r.stderr()).isEqualTo(status);
        assertThat(r.stderr()).as("stderr of %s", what)
                .startsWith("vde: error: ")
                .endsWith("\n")
                .doesNotContain("\tat ")
                .doesNotContainPattern("[A-Za-z]+(Exception|Error)\\b");
        assertThat(r.stderr().lines().count()).as("stderr lines of %s: %s", what, r.stderr()).isEqualTo(1);
        assertThat(r.stdout()).as("stdout of %s", what).isEmpty();
    }

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    JsonNode info(Path image) throws IOException {
        return JSON.readTree(ok("info", image.toString(), "--json").stdout());
    }

    List<String> names(Path image) {
        return ok("ls", image.toString()).out().lines().toList();
    }

    @BeforeEach
    void formatImage() {
        img = dir.resolve("disk.vde");
        Run r = ok("format", img.toString(), "--size", "1M");
        assertThat(r.out()).startsWith("formatted " + img + ": 1.0 MiB in 256 blocks of 4096 bytes");
    }

    // ---------------------------------------------------------------- status 0

    @Nested
    class Success {
        @Test
        void helpAndVersion() {
            Run help = ok("--help");
            assertThat(help.out()).contains("Usage: vde", "format", "write", "cat", "ls", "rm", "mv", "info", "snapshot", "dump-tree",
                    "Exit status:");
            for (String cmd : List.of("format", "write", "cat", "ls", "rm", "mv", "info", "snapshot", "dump-tree")) {
                assertThat(ok(cmd, "--help").out()).as(cmd).contains("Usage: vde " + cmd, "Examples:", "Exit status:");
                assertThat(ok("help", cmd).out()).as("help " + cmd).contains("Usage: vde " + cmd);
            }
            assertThat(ok("--version").out()).startsWith("vde ").contains("image format: reads and writes version 1", "delta format (.rdlt): reads and writes version 1")
                    .doesNotContain("unknown").doesNotContain("${");
        }

        @Test
        void writeFromStdinAndCat() {
            ok(bytes("hello\n"), "write", img.toString(), "notes.txt");
            assertThat(ok("cat", img.toString(), "notes.txt").out()).isEqualTo("hello\n");
        }

        @Test
        void writeFromInputFile() throws IOException {
            byte[] data = random(100_000, 1);
            Path host = Files.write(dir.resolve("host.bin"), data);
            ok("write", img.toString(), "blob", "--input", host.toString());
            assertThat(ok("cat", img.toString(), "blob").stdout()).isEqualTo(data);
            ok(bytes("xyz"), "write", img.toString(), "blob2", "-i", "-");
            assertThat(ok("cat", img.toString(), "blob2").out()).isEqualTo("xyz");
        }

        @Test
        void writePastTheEndLeavesAHoleOfZeros() {
            ok(bytes("ab"), "write", img.toString(), "f");
            ok(bytes("cd"), "write", img.toString(), "f", "--offset", "10K");
            byte[] got = ok("cat", img.toString(), "f").stdout();
            byte[] want = new byte[10 * 1024 + 2];
            want[0] = 'a';
            want[1] = 'b';
            want[10240] = 'c';
            want[10241] = 'd';
            assertThat(got).isEqualTo(want);
        }

        @Test
        void writeTruncate() {
            ok(bytes("hello world"), "write", img.toString(), "f");
            ok(bytes("XY"), "write", img.toString(), "f", "--offset", "5", "--truncate");
            assertThat(ok("cat", img.toString(), "f").out()).isEqualTo("helloXY");
            ok(bytes(""), "write", img.toString(), "f", "--offset", "0", "--truncate");
            assertThat(ok("cat", img.toString(), "f").stdout()).isEmpty();
            // overwrite in place without --truncate keeps the tail
            ok(bytes("0123456789"), "write", img.toString(), "g");
            ok(bytes("ab"), "write", img.toString(), "g", "--offset", "2");
            assertThat(ok("cat", img.toString(), "g").out()).isEqualTo("01ab456789");
        }

        @Test
        void lsPlainLongAndJson() throws IOException {
            ok(bytes("bbb"), "write", img.toString(), "b");
            ok(bytes("a"), "write", img.toString(), "a");
            ok(bytes(""), "write", img.toString(), "empty");
            assertThat(names(img)).containsExactly("a", "b", "empty");

            List<String> lines = ok("ls", img.toString(), "-l").out().lines().toList();
            assertThat(lines).hasSize(3);
            // inode, size, extents, blocks, mtime, name
            String[] b = lines.get(1).trim().split("\\s+");
            assertThat(b).hasSize(6);
            assertThat(b[1]).isEqualTo("3");
            assertThat(b[3]).isEqualTo("1");
            assertThat(b[4]).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
            assertThat(b[5]).isEqualTo("b");

            JsonNode files = JSON.readTree(ok("ls", img.toString(), "--json").stdout()).get("files");
            assertThat(files.isArray()).isTrue();
            assertThat(files).hasSize(3);
            JsonNode a = files.get(0);
            assertThat(a.get("name").asText()).isEqualTo("a");
            assertThat(a.get("size").asLong()).isEqualTo(1);
            for (String field : List.of("name", "inode", "size", "extents", "blocks", "modifyTxid", "mtime")) {
                assertThat(a.has(field)).as(field).isTrue();
            }
            assertThat(files.get(2).get("size").asLong()).isZero();
            assertThat(files.get(2).get("blocks").asLong()).isZero();

            Path empty = dir.resolve("empty.vde");
            ok("format", empty.toString(), "--size", "1M");
            assertThat(ok("ls", empty.toString()).stdout()).isEmpty();
            assertThat(JSON.readTree(ok("ls", empty.toString(), "--json").stdout()).get("files")).isEmpty();
        }

        @Test
        void rmThenLs() throws IOException {
            long free0 = info(img).get("freeBlocks").asLong();
            ok(random(20_000, 2), "write", img.toString(), "x");
            ok(bytes("y"), "write", img.toString(), "y");
            assertThat(info(img).get("freeBlocks").asLong()).isLessThan(free0);
            ok("rm", img.toString(), "x");
            assertThat(names(img)).containsExactly("y");
            ok("rm", img.toString(), "y");
            assertThat(names(img)).isEmpty();
            JsonNode i = info(img);
            assertThat(i.get("files").asLong()).isZero();
            assertThat(i.get("freeBlocks").asLong()).isEqualTo(free0);
        }

        @Test
        void mvThenLsAndMvForce() {
            ok(bytes("one"), "write", img.toString(), "a");
            ok(bytes("two"), "write", img.toString(), "b");
            ok("mv", img.toString(), "a", "c");
            assertThat(names(img)).containsExactly("b", "c");
            assertThat(ok("cat", img.toString(), "c").out()).isEqualTo("one");

            fails(ExitCodes.CONFLICT, "mv", img.toString(), "c", "b");
            assertThat(names(img)).containsExactly("b", "c");
            assertThat(ok("cat", img.toString(), "b").out()).isEqualTo("two");

            ok("mv", img.toString(), "c", "b", "--force");
            assertThat(names(img)).containsExactly("b");
            assertThat(ok("cat", img.toString(), "b").out()).isEqualTo("one");
            ok("mv", img.toString(), "b", "b");
            assertThat(names(img)).containsExactly("b");
        }

        @Test
        void infoTextAndJson() throws IOException {
            ok(bytes("hello"), "write", img.toString(), "f");
            String text = ok("info", img.toString()).out();
            assertThat(text).contains("format:         vde image version 1", "block size:     4096",
                    "files:          1 of ", "last txid:      1", "(256 blocks)");
            JsonNode i = info(img);
            for (String field : List.of("formatVersion", "uuid", "blockSize", "totalBlocks", "dataBlocks",
                    "freeBlocks", "usedBlocks", "files", "inodeCapacity", "txid", "created", "imageBytes", "regions")) {
                assertThat(i.has(field)).as(field).isTrue();
            }
            assertThat(i.get("blockSize").asInt()).isEqualTo(4096);
            assertThat(i.get("totalBlocks").asLong()).isEqualTo(256);
            assertThat(i.get("files").asLong()).isEqualTo(1);
            assertThat(i.get("txid").asLong()).isEqualTo(1);
            assertThat(i.get("freeBlocks").asLong() + i.get("usedBlocks").asLong())
                    .isEqualTo(i.get("dataBlocks").asLong());
            for (String region : List.of("wal", "bitmap", "inodes", "snap", "data")) {
                assertThat(i.get("regions").get(region).has("start")).as(region).isTrue();
                assertThat(i.get("regions").get(region).has("blocks")).as(region).isTrue();
            }
            assertThat(text.lines().filter(l -> l.startsWith("uuid:")).findFirst().orElseThrow())
                    .endsWith(i.get("uuid").asText());
        }

        @ParameterizedTest
        @CsvSource({
            "64K, 512, 128",
            "64KiB, 512, 128",
            "1M, 4096, 256",
            "1MB, 4096, 256",
            "1G, 4096, 262144",
            "1GiB, 4096, 262144",
            "1g, 65536, 16384",
            "1048575, 4096, 255",
        })
        void sizeSuffixes(String size, String blockSize, long blocks) throws IOException {
            Path p = dir.resolve("s.vde");
            ok("format", p.toString(), "--size", size, "--block-size", blockSize, "--force");
            JsonNode i = info(p);
            assertThat(i.get("totalBlocks").asLong()).isEqualTo(blocks);
            assertThat(i.get("blockSize").asLong()).isEqualTo(Long.parseLong(blockSize));
            assertThat(Files.size(p)).isEqualTo(blocks * Long.parseLong(blockSize));
        }

        @Test
        void formatForceOverwrites() throws IOException {
            ok(bytes("x"), "write", img.toString(), "x");
            ok("format", img.toString(), "--size", "2M", "--force");
            assertThat(names(img)).isEmpty();
            assertThat(info(img).get("totalBlocks").asLong()).isEqualTo(512);
        }
    }

    // ---------------------------------------------------------------- status 2

    @Nested
    class Usage {
        @Test
        void unknownOption() {
            Run r = fails(ExitCodes.USAGE, "--bogus");
            assertThat(r.stderr()).contains("Unknown option", "--bogus", "vde --help");
            fails(ExitCodes.USAGE, "ls", img.toString(), "--bogus");
            fails(ExitCodes.USAGE, "ls", img.toString(), "--jsn");
            fails(ExitCodes.USAGE, "lss", img.toString());
            fails(ExitCodes.USAGE, "cat", img.toString(), "a", "extra");
        }

        @Test
        void missingArguments() {
            fails(ExitCodes.USAGE);
            Run r = fails(ExitCodes.USAGE, "format", dir.resolve("n.vde").toString());
            assertThat(r.stderr()).contains("--size");
            assertThat(dir.resolve("n.vde")).doesNotExist();
            fails(ExitCodes.USAGE, "cat", img.toString());
            fails(ExitCodes.USAGE, "write", img.toString());
            fails(ExitCodes.USAGE, "mv", img.toString(), "a");
            fails(ExitCodes.USAGE, "rm");
            fails(ExitCodes.USAGE, "format", dir.resolve("n.vde").toString(), "--size");
        }

        @ParameterizedTest
        @ValueSource(strings = {"12Q", "", "1.5G", "-1", "K", "99999999999999999999", "16E", "9E"})
        void badSize(String size) {
            Path p = dir.resolve("bad.vde");
            fails(ExitCodes.USAGE, "format", p.toString(), "--size", size);
            assertThat(p).doesNotExist();
        }

        @Test
        void negativeOffset() {
            Run r = fails(ExitCodes.USAGE, bytes("x"), "write", img.toString(), "f", "--offset", "-1");
            assertThat(r.stderr()).contains("--offset");
            assertThat(names(img)).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"1000", "256", "131072", "0", "3000"})
        void badBlockSize(String bs) {
            Path p = dir.resolve("bs.vde");
            Run r = fails(ExitCodes.USAGE, "format", p.toString(), "--size", "64M", "--block-size", bs);
            assertThat(r.stderr()).contains("block size");
            assertThat(p).doesNotExist();
        }

        @Test
        void imageTooSmall() {
            Path p = dir.resolve("small.vde");
            Run r = fails(ExitCodes.USAGE, "format", p.toString(), "--size", "10K");
            assertThat(r.stderr()).contains("too small");
            fails(ExitCodes.USAGE, "format", p.toString(), "--size", "0");
            assertThat(p).doesNotExist();
        }

        @Test
        void badNames() {
            ok(bytes("x"), "write", img.toString(), "ok");
            String tooLong = "a".repeat(256);
            String longest = "b".repeat(255);
            // three bytes per character: 86 * 3 = 258 bytes although only 86 characters
            String tooLongUtf8 = "\u20ac".repeat(86);
            for (String bad : List.of("", tooLong, tooLongUtf8, "a\tb", "new\nline", "nul\0", "del\u007f")) {
                fails(ExitCodes.USAGE, bytes("x"), "write", img.toString(), bad);
                fails(ExitCodes.USAGE, "mv", img.toString(), "ok", bad);
                fails(ExitCodes.USAGE, "cat", img.toString(), bad);
                fails(ExitCodes.USAGE, "rm", img.toString(), bad);
            }
            assertThat(names(img)).containsExactly("ok");
            ok(bytes("y"), "write", img.toString(), longest);
            assertThat(ok("cat", img.toString(), longest).out()).isEqualTo("y");
            ok(bytes("z"), "write", img.toString(), "caf\u00e9 \u2603");
            assertThat(names(img)).containsExactly(longest, "caf\u00e9 \u2603", "ok");
        }

        @Test
        void negativeInodes() {
            fails(ExitCodes.USAGE, "format", dir.resolve("i.vde").toString(), "--size", "1M", "--inodes", "-1");
            fails(ExitCodes.USAGE, "format", dir.resolve("i.vde").toString(), "--size", "1M", "--inodes", "lots");
        }
    }

    // ---------------------------------------------------------------- status 3

    @Nested
    class NotFound {
        @Test
        void missingImage() {
            String nope = dir.resolve("nope.vde").toString();
            for (String[] args : List.of(new String[] {"cat", nope, "x"}, new String[] {"ls", nope},
                    new String[] {"ls", nope, "-l"}, new String[] {"info", nope}, new String[] {"info", nope, "--json"},
                    new String[] {"rm", nope, "x"}, new String[] {"mv", nope, "x", "y"},
                    new String[] {"write", nope, "x"})) {
                Run r = fails(ExitCodes.NOT_FOUND, bytes("data"), args);
                assertThat(r.stderr()).contains(nope);
            }
            assertThat(dir.resolve("nope.vde")).doesNotExist();
            // format into a missing directory
            fails(ExitCodes.NOT_FOUND, "format", dir.resolve("no/such/dir.vde").toString(), "--size", "1M");
        }

        @Test
        void missingFileInImage() {
            ok(bytes("x"), "write", img.toString(), "there");
            assertThat(fails(ExitCodes.NOT_FOUND, "cat", img.toString(), "missing").stderr()).contains("'missing'");
            fails(ExitCodes.NOT_FOUND, "rm", img.toString(), "missing");
            fails(ExitCodes.NOT_FOUND, "mv", img.toString(), "missing", "other");
            fails(ExitCodes.NOT_FOUND, "mv", img.toString(), "missing", "there", "--force");
            assertThat(names(img)).containsExactly("there");
        }

        @Test
        void missingInputFile() throws IOException {
            String nope = dir.resolve("input.bin").toString();
            long txid = info(img).get("txid").asLong();
            assertThat(fails(ExitCodes.NOT_FOUND, "write", img.toString(), "f", "--input", nope).stderr())
                    .contains(nope);
            assertThat(names(img)).isEmpty();
            assertThat(info(img).get("txid").asLong()).isEqualTo(txid);
        }
    }

    // ---------------------------------------------------------------- status 5

    @Nested
    class Conflict {
        @Test
        void formatOverExistingFile() throws IOException {
            ok(bytes("keep"), "write", img.toString(), "keep");
            assertThat(fails(ExitCodes.CONFLICT, "format", img.toString(), "--size", "1M").stderr())
                    .contains("--force");
            assertThat(ok("cat", img.toString(), "keep").out()).isEqualTo("keep");
            Path other = Files.writeString(dir.resolve("other.txt"), "not an image");
            fails(ExitCodes.CONFLICT, "format", other.toString(), "--size", "1M");
            assertThat(Files.readString(other)).isEqualTo("not an image");
        }

        @Test
        void mvOntoExistingName() {
            ok(bytes("1"), "write", img.toString(), "a");
            ok(bytes("2"), "write", img.toString(), "b");
            assertThat(fails(ExitCodes.CONFLICT, "mv", img.toString(), "a", "b").stderr()).contains("'b'", "--force");
            assertThat(ok("cat", img.toString(), "a").out()).isEqualTo("1");
            assertThat(ok("cat", img.toString(), "b").out()).isEqualTo("2");
        }

        /**
         * A lock held in this JVM: the JDK reports it as OverlappingFileLockException (the JVM keeps
         * its own table, whatever the lock mode), which the image treats as locked. So here every
         * command, readers included, answers 5.
         */
        @Test
        void lockedInThisJvm() throws IOException {
            ok(bytes("data"), "write", img.toString(), "f");
            for (boolean shared : new boolean[] {false, true}) {
                try (FileChannel ch = FileChannel.open(img, StandardOpenOption.READ, StandardOpenOption.WRITE);
                        FileLock lock = ch.lock(0, Long.MAX_VALUE, shared)) {
                    assertThat(lock.isShared()).isEqualTo(shared);
                    fails(ExitCodes.CONFLICT, bytes("new"), "write", img.toString(), "f");
                    fails(ExitCodes.CONFLICT, "rm", img.toString(), "f");
                    fails(ExitCodes.CONFLICT, "mv", img.toString(), "f", "g");
                    fails(ExitCodes.CONFLICT, "format", img.toString(), "--size", "1M", "--force");
                    Run r = fails(ExitCodes.CONFLICT, "cat", img.toString(), "f");
                    assertThat(r.stderr()).contains("locked");
                }
            }
            assertThat(ok("cat", img.toString(), "f").out()).isEqualTo("data");
        }

        /** POSIX record locks from another process: what a second vde process meets. */
        @Test
        void lockedByAnotherProcess() throws Exception {
            ok(bytes("data"), "write", img.toString(), "f");
            try (Holder h = new Holder(img, "exclusive")) {
                long t0 = System.nanoTime();
                fails(ExitCodes.CONFLICT, bytes("new"), "write", img.toString(), "f");
                fails(ExitCodes.CONFLICT, "cat", img.toString(), "f");
                fails(ExitCodes.CONFLICT, "ls", img.toString());
                fails(ExitCodes.CONFLICT, "info", img.toString(), "--json");
                fails(ExitCodes.CONFLICT, "rm", img.toString(), "f");
                fails(ExitCodes.CONFLICT, "format", img.toString(), "--size", "1M", "--force");
                assertThat(System.nanoTime() - t0).as("answers at once").isLessThan(TimeUnit.SECONDS.toNanos(5));
            }
            try (Holder h = new Holder(img, "shared")) {
                // a reader's shared lock keeps writers out but lets other readers in
                fails(ExitCodes.CONFLICT, bytes("new"), "write", img.toString(), "f");
                fails(ExitCodes.CONFLICT, "mv", img.toString(), "f", "g");
                assertThat(ok("cat", img.toString(), "f").out()).isEqualTo("data");
                assertThat(names(img)).containsExactly("f");
            }
            ok(bytes("new"), "write", img.toString(), "f", "--truncate");
            assertThat(ok("cat", img.toString(), "f").out()).isEqualTo("new");
        }
    }

    /** A second JVM running {@link LockHolder}; closing it releases the lock. */
    static final class Holder implements AutoCloseable {
        private final Process p;

        Holder(Path image, String mode) throws Exception {
            Path classes = Path.of(LockHolder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            p = new ProcessBuilder(java.toString(), "-cp", classes.toString(), LockHolder.class.getName(),
                    image.toString(), mode).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8));
            String line = r.readLine();
            assertThat(line).as("lock holder started").isEqualTo("locked");
        }

        @Override
        public void close() throws Exception {
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    // ---------------------------------------------------------------- status 6

    @Nested
    class NoSpace {
        @Test
        void imageFullKeepsCommittedData() throws IOException {
            byte[] first = random(300_000, 3);
            ok(first, "write", img.toString(), "first");
            ok(bytes("small"), "write", img.toString(), "small");
            JsonNode before = info(img);
            long free = before.get("freeBlocks").asLong();
            assertThat(free).isGreaterThan(0);
            String lsBefore = ok("ls", img.toString(), "-l").out();

            byte[] big = random((int) (free + 10) * 4096, 4);
            Run r = fails(ExitCodes.NO_SPACE, big, "write", img.toString(), "big");
            assertThat(r.stderr()).contains("no space left in the image");
            // overwriting an existing file too large fails as well, and leaves it whole
            fails(ExitCodes.NO_SPACE, big, "write", img.toString(), "first");

            JsonNode after = info(img);
            assertThat(after.get("freeBlocks").asLong()).isEqualTo(free);
            assertThat(after.get("files").asLong()).isEqualTo(2);
            assertThat(after.get("txid").asLong()).isEqualTo(before.get("txid").asLong());
            assertThat(ok("ls", img.toString(), "-l").out()).isEqualTo(lsBefore);
            assertThat(ok("cat", img.toString(), "first").stdout()).isEqualTo(first);
            assertThat(ok("cat", img.toString(), "small").out()).isEqualTo("small");

            // the image still takes a write that fits
            ok(random((int) (free / 2) * 4096, 5), "write", img.toString(), "fits");
        }

        @Test
        void noFreeInode() throws IOException {
            // one inode per 512-byte table block (448-byte inodes): --inodes 1 gives exactly one file
            Path p = dir.resolve("one.vde");
            ok("format", p.toString(), "--size", "1M", "--block-size", "512", "--inodes", "1");
            assertThat(info(p).get("inodeCapacity").asLong()).isEqualTo(1);
            ok(bytes("a"), "write", p.toString(), "a");
            Run r = fails(ExitCodes.NO_SPACE, bytes("b"), "write", p.toString(), "b");
            assertThat(r.stderr()).contains("no free inode");
            assertThat(names(p)).containsExactly("a");
            // freeing the inode makes room again
            ok("rm", p.toString(), "a");
            ok(bytes("b"), "write", p.toString(), "b");
            assertThat(names(p)).containsExactly("b");

            // at 4096-byte blocks the capacity rounds up to a whole table block of 9 inodes
            Path q = dir.resolve("nine.vde");
            ok("format", q.toString(), "--size", "1M", "--inodes", "1");
            long cap = info(q).get("inodeCapacity").asLong();
            assertThat(cap).isEqualTo(9);
            for (int i = 0; i < cap; i++) {
                ok(bytes("x"), "write", q.toString(), "f" + i);
            }
            fails(ExitCodes.NO_SPACE, bytes("x"), "write", q.toString(), "one-too-many");
        }
    }

    // ---------------------------------------------------------------- status 7

    @Nested
    class Corrupt {
        private Superblock superblock(Path p) throws IOException {
            try (Image i = Image.open(p, false)) {
                return i.superblock();
            }
        }

        private void flipByte(Path p, long block, int offsetInBlock) throws IOException {
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                long pos = block * 4096 + offsetInBlock;
                f.seek(pos);
                int b = f.read();
                f.seek(pos);
                f.write(b ^ 0x5a);
            }
        }

        @Test
        void flippedInodeTableByte() throws IOException {
            ok(bytes("hello"), "write", img.toString(), "f");
            long block = superblock(img).inodeStart;
            flipByte(img, block, 40);
            for (String[] args : List.of(new String[] {"cat", img.toString(), "f"}, new String[] {"ls", img.toString()},
                    new String[] {"ls", img.toString(), "--json"}, new String[] {"rm", img.toString(), "f"})) {
                Run r = fails(ExitCodes.CORRUPT, args);
                assertThat(r.stderr()).contains(img.toString(), "block " + block + " (INOD)", "checksum");
            }
        }

        /** {@code ls} walks the inode table, not the name index; name lookups read the index. */
        @Test
        void flippedNameIndexLeafByte() throws IOException {
            ok(bytes("hello"), "write", img.toString(), "f");
            Superblock sb = superblock(img);
            assertThat(sb.nameHeight).isLessThanOrEqualTo(1);
            long block = sb.nameRoot;
            assertThat(block).isGreaterThanOrEqualTo(sb.dataStart);
            flipByte(img, block, 100);
            for (String[] args : List.of(new String[] {"cat", img.toString(), "f"},
                    new String[] {"rm", img.toString(), "f"}, new String[] {"mv", img.toString(), "f", "g"})) {
                Run r = fails(ExitCodes.CORRUPT, bytes("x"), args);
                assertThat(r.stderr()).contains("block " + block + " (NIDX)");
            }
            fails(ExitCodes.CORRUPT, bytes("x"), "write", img.toString(), "f");
        }

        @Test
        void notAnImage() throws IOException {
            Path junk = Files.write(dir.resolve("junk.bin"), random(1 << 20, 6));
            Run r = fails(ExitCodes.CORRUPT, "ls", junk.toString());
            assertThat(r.stderr()).contains("not a vde image");
            assertThat(r.stderr().split(java.util.regex.Pattern.quote(junk.toString()), -1)).as("path named once")
                    .hasSize(2);
            fails(ExitCodes.CORRUPT, "cat", junk.toString(), "x");
            fails(ExitCodes.CORRUPT, "info", junk.toString());
            fails(ExitCodes.CORRUPT, bytes("x"), "write", junk.toString(), "x");
            Path text = Files.writeString(dir.resolve("text.txt"), "hello\n");
            fails(ExitCodes.CORRUPT, "info", text.toString());
            Path empty = Files.createFile(dir.resolve("empty"));
            fails(ExitCodes.CORRUPT, "ls", empty.toString());
            Path zeros = dir.resolve("zeros");
            try (RandomAccessFile f = new RandomAccessFile(zeros.toFile(), "rw")) {
                f.setLength(1 << 20);
            }
            fails(ExitCodes.CORRUPT, "info", zeros.toString());
        }

        @Test
        void truncatedImage() throws IOException {
            ok(bytes("hello"), "write", img.toString(), "f");
            try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
                ch.truncate(500 * 1024);
            }
            for (String[] args : List.of(new String[] {"cat", img.toString(), "f"}, new String[] {"ls", img.toString()},
                    new String[] {"info", img.toString()}, new String[] {"rm", img.toString(), "f"})) {
                Run r = fails(ExitCodes.CORRUPT, args);
                assertThat(r.stderr()).contains("truncated");
            }
            // cut inside a block: the size is no longer a whole number of blocks
            try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
                ch.truncate(100 * 1024 + 123);
            }
            fails(ExitCodes.CORRUPT, "ls", img.toString());
        }
    }

    // ---------------------------------------------------------------- status 8

    @Nested
    class OtherIo {
        @Test
        void imagePathIsADirectory() {
            for (String[] args : List.of(new String[] {"ls", dir.toString()}, new String[] {"info", dir.toString()},
                    new String[] {"cat", dir.toString(), "x"}, new String[] {"rm", dir.toString(), "x"})) {
                Run r = fails(ExitCodes.IO, args);
                assertThat(r.stderr()).contains(dir.toString(), "directory");
            }
            fails(ExitCodes.IO, "format", dir.toString(), "--size", "1M", "--force");
            // without --force an existing directory is an existing name
            fails(ExitCodes.CONFLICT, "format", dir.toString(), "--size", "1M");
        }

        @Test
        void inputIsADirectory() {
            Run r = fails(ExitCodes.IO, "write", img.toString(), "f", "--input", dir.toString());
            assertThat(r.stderr()).contains("directory");
            assertThat(names(img)).isEmpty();
        }
    }

    /** stdout closed by its reader, in-process: status 141 and no message. */
    @Test
    void brokenPipeIsQuiet() {
        ok(random(200_000, 7), "write", img.toString(), "f");
        OutputStream closed = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = new Io(new ByteArrayInputStream(new byte[0]), closed, err);
        int status = Main.commandLine(io).execute("cat", img.toString(), "f");
        assertThat(status).isEqualTo(ExitCodes.BROKEN_PIPE);
        assertThat(err.toString(UTF_8)).isEmpty();
    }

    @Test
    void debugAddsAStackTrace() {
        Run r = run("--debug", "cat", dir.resolve("nope").toString(), "x");
        assertThat(r.status()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.stderr()).startsWith("vde: error: ").contains("\tat ");
    }
}
