package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code src/bench/peers.sh 64 1}, the smoke size of the benchmark against dd, qemu-io, qemu-img
 * and xdelta3, runs to the end through the launcher {@code target/vde}: exit status 0 (the script
 * checks every result against the source data before it prints), and a table with every row, each
 * peer's with a ratio and each vde command's with its peak RSS. The fixtures run from this test's
 * own classpath (VDE_BENCH_CLASSPATH), so no second Maven starts inside the build. Skipped when
 * the script could not install the peers. No timing is asserted: the numbers are the script's
 * business, and this machine is shared.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PeersScriptIT extends JarProcesses {
    static final Path SCRIPT = Path.of("src", "bench", "peers.sh").toAbsolutePath();
    static final Path LAUNCHER = JAR.resolveSibling("vde");

    /** vde's rows: seconds, maybe a throughput, and the peak RSS in MiB. */
    static final List<String> VDE_ROWS = List.of(
            "vde info IMG",
            "vde write IMG f --input old.raw (fdatasync at commit)",
            "vde cat IMG f | cat > /dev/null",
            "vde write --offset, a process and a commit per piece",
            "vde engine, one JVM, a commit per piece (fixture)",
            "vde snapshot create IMG sN",
            "vde snapshot delete IMG sN",
            "vde diff IMG --from base --to next -o D",
            "vde apply REPLICA D (incremental)",
            "vde apply EMPTY FULL (full delta of base)",
            "vde fsck IMG (image of 2: two snapshots)",
            "vde fsck IMG (image of 3, with its snapshots)");

    /** The peers' rows, each ending in its ratio to a vde row. */
    static final List<String> PEER_ROWS = List.of(
            "qemu-img info IMG.qcow2",
            "dd bs=1M (page cache only)",
            "dd bs=1M conv=fsync (synced at the end)",
            "dd bs=1M oflag=direct (O_DIRECT)",
            "qemu-io -t unsafe 'write -s old.raw' (page cache)",
            "qemu-io 'write -s old.raw' (writethrough: flush)",
            "qemu-io -t none 'write -s old.raw' (O_DIRECT, flush)",
            "cat old.raw | cat > /dev/null",
            "qemu-io, a process per piece (flush at exit)",
            "qemu-io -t writeback, all in one process, one flush",
            "qemu-io, all in one process, writethrough",
            "qemu-img snapshot -c sN IMG.qcow2",
            "qemu-img snapshot -d sN IMG.qcow2",
            "xdelta3 -e -s old.raw new.raw out.xd",
            "qemu-img compare new.raw new2.raw (reads both)",
            "xdelta3 out.xd (",
            "xdelta3 -d -s old.raw out.xd new2.raw",
            "dd bs=1M conv=fsync, as in 1",
            "vde write --input old.raw, as in 1",
            "qemu-img check IMG.qcow2 (qcow2 of 2)",
            "qemu-img check IMG.qcow2 (qcow2 of 3, with its snapshots)");

    @BeforeAll
    static void launcherExists() {
        assumeTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " does not exist: run 'mvn -B verify' (or package first)");
    }

    @Test
    void smokeRunPrintsEveryRow() throws Exception {
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "64", "1").redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> env = pb.environment();
        env.put("VDE_BENCH_DIR", dir.toString());
        env.put("VDE_BENCH_CLASSPATH", System.getProperty("java.class.path"));
        env.put("JAVA", JAVA);
        env.keySet().removeIf(k -> k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS") || k.equals("VDE_JAVA_OPTS"));
        Process p = pb.start();
        started.add(p);
        assertThat(p.waitFor(200, TimeUnit.SECONDS)).as("peers.sh finished").isTrue();
        String stderr = Files.readString(err);
        assumeTrue(!stderr.contains("could not install"), "peers.sh could not install its peers:\n" + stderr);
        String table = Files.readString(out);
        assertThat(p.exitValue()).as("exit status; stderr:\n%s\nstdout:\n%s", stderr, table).isZero();

        assertThat(table).doesNotContain("skipped").contains("issue 5's targets");
        for (String label : VDE_ROWS) {
            String[] cells = cells(table, label);
            assertThat(cells[0]).as("seconds of %s", label).matches("\\d+\\.\\d{3}");
            assertThat(cells[cells.length - 1]).as("peak RSS (MiB) of %s", label).matches("\\d+");
        }
        for (String label : PEER_ROWS) {
            String[] cells = cells(table, label);
            assertThat(cells[cells.length - 1]).as("ratio of %s", label).matches("\\d+\\.\\d\\d");
            assertThat(Double.parseDouble(cells[cells.length - 1])).as("ratio of %s", label).isPositive();
        }
    }

    /** The blank-separated cells after {@code label} on the table's line that starts with it. */
    private static String[] cells(String table, String label) {
        List<String> lines = table.lines().filter(l -> l.startsWith("  " + label)).toList();
        assertThat(lines).as("rows labelled '%s' in\n%s", label, table).hasSize(1);
        String rest = lines.get(0).substring(2 + label.length()).strip();
        assertThat(rest).as("row '%s'", label).isNotEmpty();
        return rest.split("\\s+");
    }
}
