package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vde.alloc.BitmapCodec;
import dev.vde.bench.ExtentFixture;
import dev.vde.cli.KillCampaign.Delay;
import dev.vde.cli.KillCampaign.Prepared;
import dev.vde.cli.KillCampaign.Scenario;
import dev.vde.cli.KillCampaign.Trial;
import dev.vde.format.BlockTrailer;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash campaign (issue 7): every mutating command, and {@code fsck --repair}, run as a real
 * process from the packaged jar and killed with SIGKILL at random moments inside its work; after
 * each kill fsck must be clean and the image must hold exactly the state before the command or
 * exactly the state an unkilled run leaves, and take a further command. See {@link KillCampaign}.
 *
 * <p>System properties: {@code vde.crash.kills} (kills in all, spread over the scenarios; a
 * handful by default, hundreds for a deep run), {@code vde.crash.seed} (else drawn and printed),
 * {@code vde.crash.scenario} (run only that one), {@code vde.crash.delay} (kill every trial after
 * this delay instead of a drawn one, e.g. {@code lock:12.5}: to repeat a failure), {@code vde.jar}
 * (the jar under test), {@code vde.crash.dir} (where the images go; /dev/shm by default),
 * {@code vde.crash.keep} (where the image of a failed trial is kept; target/crash-campaign).
 * Deep run: {@code mvn -B verify -Dit.test=CrashCampaignIT -Dvde.crash.kills=400}.
 *
 * <p>The images are built in-process by the engine of the test classes (one file of many extents
 * needs {@link ExtentFixture}); everything under test runs through the jar, and the states are
 * read in-process, read-only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.HOURS)
class CrashCampaignIT extends JarProcesses {
    private static final int KILLS = Integer.getInteger("vde.crash.kills", 16);
    private static final long SEED = Long.getLong("vde.crash.seed", System.nanoTime());
    private static final String ONLY = System.getProperty("vde.crash.scenario", "");
    private static final String FIXED_DELAY = System.getProperty("vde.crash.delay", "");
    private static final int BS = 4096;
    private static final long MIB = 1 << 20;
    /**
     * One-block extents of the file that makes snapshot create, delete, rollback, rm and repair
     * work in proportion: enough that their work outlasts JVM start-up several times over.
     */
    private static final int FRAG_EXTENTS = 12_000;

    @TempDir
    static Path tempDir;
    /** Templates, inputs and the trials' images: on tmpfs where there is one (see {@link #workDir}). */
    private Path shared;
    private final Map<String, Scenario> scenarios = new LinkedHashMap<>();
    private final List<String> report = new ArrayList<>();
    private KillCampaign campaign;
    private int perScenario;
    private int total;
    private int failed;

    static List<String> scenarioNames() {
        return List.of("write-new", "write-overwrite-shared", "rm", "snapshot-create", "snapshot-delete",
                "snapshot-rollback", "apply-incremental", "fsck-repair");
    }

    /**
     * The template every scenario copies: a file of {@value #FRAG_EXTENTS} one-block extents (frag),
     * a 32 MiB file (shared) and small ones, snapshot s1 of them all, then part of shared
     * overwritten, a small file removed, one appended to and one written (late), and snapshot
     * base of that (equal to the live files, as an incremental apply needs). frag is held by the
     * live files and both snapshots, shared partly by all three. frag leaves a free block after
     * each of its extents, which the allocator hands out first: the files written after it, and
     * the scenarios' writes, are fragmented too (shared has 8,192 extents), so every command has
     * thousands of extents and reference counts to change.
     */
    @BeforeAll
    void build() throws Exception {
        long t0 = System.nanoTime();
        shared = workDir();
        Path keep = Path.of(System.getProperty("vde.crash.keep", "target/crash-campaign"));
        campaign = new KillCampaign(JAR, JAVA, started, SEED, keep, shared);
        Random rnd = new Random(SEED);
        Path template = shared.resolve("template.vde");
        Image.create(template, 1L << 30, BS, 0, false);
        Path fragData = Files.write(shared.resolve("frag.bin"), bytes(rnd, FRAG_EXTENTS * BS));
        ExtentFixture.create(template, "frag", FRAG_EXTENTS, 1, ExtentFixture.Layout.SCATTERED, fragData);
        Files.delete(fragData);
        try (Image img = Image.open(template, true)) {
            write(img, "shared", 0, bytes(rnd, (int) (32 * MIB)));
            for (int i = 0; i < 5; i++) {
                write(img, "small" + i, 0, bytes(rnd, 1000 + rnd.nextInt(40_000)));
            }
            img.createSnapshot("s1");
            write(img, "shared", 8 * MIB, bytes(rnd, (int) (4 * MIB)));
            img.remove("small0");
            write(img, "small1", img.stat("small1").size(), bytes(rnd, 3000));
            write(img, "late", 0, bytes(rnd, (int) (8 * MIB)));
            img.createSnapshot("base");
        }
        Path fresh = Files.write(shared.resolve("fresh.bin"), bytes(rnd, (int) (64 * MIB)));
        Path over = Files.write(shared.resolve("over.bin"), bytes(rnd, (int) (48 * MIB)));
        Path delta = incrementalDelta(template, rnd);
        Path damaged = damagedBitmap(template);
        String img = Scenario.IMG;
        add(new Scenario("write-new", template, List.of("write", img, "new", "--input", fresh.toString()), false));
        add(new Scenario("write-overwrite-shared", template, List.of("write", img, "shared", "--offset", "4M",
                "--input", over.toString()), false));
        add(new Scenario("rm", template, List.of("rm", img, "frag"), false));
        add(new Scenario("snapshot-create", template, List.of("snapshot", "create", img, "s3"), false));
        add(new Scenario("snapshot-delete", template, List.of("snapshot", "delete", img, "s1"), false));
        add(new Scenario("snapshot-rollback", template, List.of("snapshot", "rollback", img, "s1"), false));
        add(new Scenario("apply-incremental", template, List.of("apply", img, delta.toString()), false));
        add(new Scenario("fsck-repair", damaged, List.of("fsck", img, "--repair"), true));
        assertThat(scenarios.keySet()).containsExactlyElementsOf(scenarioNames());
        perScenario = (KILLS + scenarios.size() - 1) / scenarios.size();
        System.out.printf("CrashCampaignIT: seed %d, %d kills per scenario, jar %s, images built in %.1f s%n", SEED,
                perScenario, JAR, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * A directory on /dev/shm when it is there: a trial copies hundreds of MiB and the commands
     * sync what they commit, which on a disk takes several times as long as the kill campaign's
     * own work, while a kill of the process leaves the same page cache either way (losing what
     * was not synced is power loss, which CrashLoopTest simulates). Else the test's temporary
     * directory.
     */
    private static Path workDir() throws IOException {
        Path shm = Path.of(System.getProperty("vde.crash.dir", "/dev/shm"));
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return Files.createTempDirectory(shm, "vde-crash-");
        }
        return tempDir;
    }

    private void add(Scenario s) {
        scenarios.put(s.name(), s);
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static void write(Image img, String name, long offset, byte[] data) throws IOException {
        img.write(name, offset, false, Channels.newChannel(new ByteArrayInputStream(data)));
    }

    /**
     * A delta from base to a snapshot next of the template's own history, made by the jar: 16
     * MiB over late, 24 MiB of a new file, one file removed and one renamed; applied to the
     * template, whose live files equal base, it needs no --force.
     */
    private Path incrementalDelta(Path template, Random rnd) throws Exception {
        Path source = shared.resolve("source.vde");
        KillCampaign.copy(template, source);
        try (Image img = Image.open(source, true)) {
            write(img, "late", 0, bytes(rnd, (int) (16 * MIB)));
            write(img, "fresh", 0, bytes(rnd, (int) (24 * MIB)));
            img.remove("small2");
            img.rename("small3", "small3b", false);
            img.createSnapshot("next");
        }
        Path delta = shared.resolve("next.rdlt");
        KillCampaign.Result diff = campaign.vde(shared, "diff",
                source.toString(), "--from", "base", "--to", "next", "-o", delta.toString());
        assertThat(diff.status()).as(diff.stderr()).isZero();
        Files.delete(source);
        return delta;
    }

    /**
     * The template with the first page of its free-space bitmap cleared (a valid page that marks
     * the metadata regions and every data block free): repair must recount every holder's blocks
     * and rewrite the bitmap and the ref-count table in one transaction.
     */
    private Path damagedBitmap(Path template) throws Exception {
        Path damaged = shared.resolve("damaged.vde");
        KillCampaign.copy(template, damaged);
        Superblock sb;
        try (Image img = Image.open(damaged, false)) {
            sb = img.superblock();
        }
        assertThat(sb.bitsPerBitmapBlock()).as("the first bitmap page covers every used block")
                .isGreaterThan(usedBlocks(template));
        long page = sb.bitmapStart;
        try (RandomAccessFile raf = new RandomAccessFile(damaged.toFile(), "rw")) {
            byte[] b = new byte[BS];
            raf.seek(page * BS);
            raf.readFully(b);
            raf.seek(page * BS);
            raf.write(BitmapCodec.encode(new long[BitmapCodec.wordsPerPage(BS)], BS, BlockTrailer.generation(b)));
        }
        return damaged;
    }

    private static long usedBlocks(Path image) throws IOException {
        try (Image img = Image.open(image, false)) {
            Superblock sb = img.superblock();
            return sb.totalBlocks - sb.freeBlocks;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarioNames")
    void killedAtRandomMomentsTheImageHoldsBeforeOrAfter(String name) throws Exception {
        assumeTrue(ONLY.isEmpty() || ONLY.equals(name), "only " + ONLY);
        Path work = Files.createDirectory(shared.resolve(name));
        Prepared p = campaign.prepare(scenarios.get(name), work, perScenario >= 10 ? 3 : 1);
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < perScenario; i++) {
            Delay delay = FIXED_DELAY.isEmpty() ? campaign.delay(p, i) : Delay.parse(FIXED_DELAY);
            trials.add(campaign.trial(p, work, i, delay));
        }
        String line = KillCampaign.summary(p, trials);
        report.add(line);
        System.out.println("CrashCampaignIT: " + KillCampaign.SUMMARY_HEADER + "\nCrashCampaignIT: " + line);
        List<String> failures = trials.stream().map(Trial::failure).filter(f -> f != null).toList();
        total += trials.size();
        failed += failures.size();
        assertThat(failures).as("kills of %s that left a bad image", name).isEmpty();
    }

    @AfterAll
    void summary() throws IOException {
        if (shared != null && !shared.equals(tempDir)) {
            try (var files = Files.walk(shared)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        System.out.printf("CrashCampaignIT: seed %d, %d kills, %d failed%n  %s%n", SEED, total, failed,
                KillCampaign.SUMMARY_HEADER);
        report.forEach(l -> System.out.println("  " + l));
    }
}
