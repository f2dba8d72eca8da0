package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every mutating command on an image whose host file system is full, as real processes: the
 * image sits on a small tmpfs that a filler file has filled to the last page.
 *
 * <p>The contract: a command that needs room on the host fails with status 6 and one line, and
 * the image still reads as its last commit (same files, same bytes, same snapshots, fsck clean),
 * both while the disk is full and after room is made. A command that finds all the room it needs
 * in blocks the image already holds may succeed instead (rm and snapshot delete usually do, which
 * is what lets a user make room); then it must leave exactly the state the same command leaves on
 * a roomy disk. Commands that write new data (write, apply, format) must fail.
 *
 * <p>Needs root to mount the tmpfs; skipped with a message elsewhere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FullDiskIT extends JarProcesses {
    private Path mnt;
    private Path work;
    private Path source;
    private Path replica;
    private Path damaged;
    private Path incremental;
    private Path dataFile;

    @BeforeAll
    void mount() throws Exception {
        work = Files.createTempDirectory("vde-fulldisk");
        mnt = Files.createDirectory(work.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        boolean mounted = m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0;
        assumeTrue(mounted, "skipped: cannot mount a small tmpfs here (needs root): "
                + new String(m.getInputStream().readAllBytes()).strip());
    }

    /** Once, before the first test: JUnit injects the scratch directory the processes use only now. */
    @BeforeEach
    void buildTemplates() throws Exception {
        if (source != null) {
            return;
        }
        Random rnd = new Random(6);
        dataFile = randomFile(work.resolve("data.bin"), 3 << 20, rnd);
        Path oneMiB = randomFile(work.resolve("one.bin"), 1 << 20, rnd);
        source = work.resolve("source.vde");
        ok("format", source.toString(), "--size", "64M");
        ok("write", source.toString(), "a", "--input", dataFile.toString());
        ok("write", source.toString(), "b", "--input", oneMiB.toString());
        ok("snapshot", "create", source.toString(), "s1");
        Path full = work.resolve("s1.rdlt");
        ok("diff", source.toString(), "--to", "s1", "-o", full.toString());
        ok("write", source.toString(), "a", "--offset", "100000", "--input", oneMiB.toString());
        ok("snapshot", "create", source.toString(), "s2");
        incremental = work.resolve("s1-s2.rdlt");
        ok("diff", source.toString(), "--from", "s1", "--to", "s2", "-o", incremental.toString());

        replica = work.resolve("replica.vde");
        ok("format", replica.toString(), "--size", "64M");
        ok("apply", replica.toString(), full.toString());

        // Repairable damage: the older superblock copy zeroed; repair writes it again.
        damaged = work.resolve("damaged.vde");
        Files.copy(source, damaged);
        try (FileChannel ch = FileChannel.open(damaged, StandardOpenOption.WRITE)) {
            int bs = 4096;
            long older = 1 - dev.vde.format.Superblock.slotFor(ImageState.read(damaged, false).txid());
            ch.write(ByteBuffer.allocate(bs), older * bs);
        }
        assertThat(vde(null, "fsck", damaged.toString()).status()).isEqualTo(ExitCodes.FSCK_ERRORS_LEFT);
    }

    @AfterAll
    void unmount() throws Exception {
        if (mnt != null) {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
        if (work != null) {
            try (Stream<Path> all = Files.walk(work)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void writesOfNewDataFailWithSix() throws Exception {
        String in = dataFile.toString();
        onFullDisk("write new --input", source, true, img -> vde(null, "write", img, "new", "--input", in));
        onFullDisk("write piped < dataFile", source, true, img -> vde(dataFile, "write", img, "piped"));
        // a is shared with both snapshots: the overwrite needs new blocks
        onFullDisk("write a --offset 4096 --input", source, true,
                img -> vde(null, "write", img, "a", "--offset", "4096", "--input", in));
        onFullDisk("write b --truncate --input", source, true,
                img -> vde(null, "write", img, "b", "--truncate", "--input", in));
    }

    @Test
    void applyOfNewDataFailsWithSix() throws Exception {
        String delta = incremental.toString();
        onFullDisk("apply", replica, true, img -> vde(null, "apply", img, delta));
        onFullDisk("apply - < incremental", replica, true, img -> vde(incremental, "apply", img, "-"));
    }

    @Test
    void metadataCommandsFailWithSixOrCommitWhole() throws Exception {
        onFullDisk("snapshot create s3", source, false, img -> vde(null, "snapshot", "create", img, "s3"));
        onFullDisk("snapshot rollback s1", source, false, img -> vde(null, "snapshot", "rollback", img, "s1"));
        onFullDisk("snapshot delete s1", source, false, img -> vde(null, "snapshot", "delete", img, "s1"));
        onFullDisk("rm b", source, false, img -> vde(null, "rm", img, "b"));
        onFullDisk("mv a renamed", source, false, img -> vde(null, "mv", img, "a", "renamed"));
        onFullDisk("fsck --repair", damaged, false, img -> vde(null, "fsck", img, "--repair"));
    }

    @Test
    void formatOfANewImageFailsAndLeavesNoFile() throws Exception {
        clearMount();
        fill();
        Path img = mnt.resolve("fresh.vde");
        assertOneLineError(vde(null, "format", img.toString(), "--size", "1G"), ExitCodes.NO_SPACE);
        assertThat(img).doesNotExist();
    }

    /** Reads the tmpfs-full image with every read-only command: they need no room. */
    @Test
    void readingNeedsNoRoom() throws Exception {
        Path img = copyIntoMount(source);
        ImageState before = ImageState.read(img, true);
        fill();
        assertState(before, img, before.snapshotIds(), "read on a full disk");
        assertThat(vde(null, "info", img.toString()).status()).isZero();
        assertThat(vde(null, "fsck", img.toString()).status()).isZero();
        Process cat = start(noInput(), ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.INHERIT, "cat",
                img.toString(), "b", "--snapshot", "s1");
        assertThat(await(cat, 60)).isZero();
        Path out = work.resolve("from-full.rdlt");
        assertThat(vde(null, "diff", img.toString(), "--from", "s1", "--to", "s2", "-o", out.toString()).status())
                .isZero();
        assertThat(Files.mismatch(out, incremental)).as("the same delta as from a roomy disk").isEqualTo(-1);
    }

    @FunctionalInterface
    interface Command {
        Result run(String image) throws Exception;
    }

    /**
     * Runs {@code command} on a copy of {@code template} on the full tmpfs and checks the
     * contract; then, with room made, runs it again to show the image is usable.
     */
    private void onFullDisk(String what, Path template, boolean mustFail, Command command) throws Exception {
        Path roomy = work.resolve("roomy.vde");
        Files.copy(template, roomy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int fsckBefore = vde(null, "fsck", template.toString()).status();
        Result expected = command.run(roomy.toString());
        assertThat(expected.status()).as("on a roomy disk: %s", expected.stderr()).isIn(0, ExitCodes.FSCK_REPAIRED);
        ImageState after = ImageState.read(roomy, true);

        Path img = copyIntoMount(template);
        ImageState before = ImageState.read(img, true);
        // A snapshot the command makes has its own uuid and time on each disk.
        Set<Long> known = before.snapshotIds();
        Path filler = fill();
        Result r = command.run(img.toString());
        if (mustFail || r.status() == ExitCodes.NO_SPACE) {
            assertOneLineError(r, ExitCodes.NO_SPACE);
            assertThat(r.stderr()).contains("no space left");
            assertState(before, img, known, "after a failed command on a full disk");
        } else {
            assertThat(r.status()).as("status (stderr: %s)", r.stderr()).isEqualTo(expected.status());
            assertState(after, img, known, "after a command that fit on a full disk");
        }
        System.out.println("FullDiskIT: " + what + " on " + template.getFileName() + ": " + r.status()
                + (r.status() == ExitCodes.NO_SPACE ? " (needed room)" : " (fit on the full disk)"));
        int fsckNow = r.status() == ExitCodes.NO_SPACE ? fsckBefore : ExitCodes.OK;
        assertThat(vde(null, "fsck", img.toString()).status()).as("fsck while the disk is full").isEqualTo(fsckNow);

        Files.delete(filler);
        assertThat(vde(null, "fsck", img.toString()).status()).as("fsck with room again").isEqualTo(fsckNow);
        if (r.status() == ExitCodes.NO_SPACE) {
            assertState(before, img, known, "with room again, before the retry");
            Result retry = command.run(img.toString());
            assertThat(retry.status()).as("the same command with room: %s", retry.stderr()).isEqualTo(expected.status());
            assertState(after, img, known, "after the retry");
        }
    }

    /** The image's state (ImageState: counters, snapshots, every file's metadata, digest and bytes) equals {@code expected}. */
    private static void assertState(ImageState expected, Path img, Set<Long> known, String what) throws IOException {
        ImageState actual = ImageState.read(img, true);
        assertThat(ImageState.differences(expected.masked(known), actual.masked(known), 20)).as(what).isEmpty();
    }

    private Path copyIntoMount(Path template) throws Exception {
        clearMount();
        Path img = mnt.resolve("img.vde");
        Process cp = new ProcessBuilder("cp", "--sparse=always", template.toString(), img.toString())
                .redirectErrorStream(true).start();
        assertThat(await(cp, 60)).as(new String(cp.getInputStream().readAllBytes())).isZero();
        return img;
    }

    private void clearMount() throws IOException {
        try (Stream<Path> files = Files.list(mnt)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
    }

    /** Fills the tmpfs to its last page. */
    private Path fill() throws IOException {
        Path filler = mnt.resolve("filler");
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int chunk = 1 << 20; chunk >= 512; chunk >>= 1) {
                ByteBuffer b = ByteBuffer.allocate(chunk);
                try {
                    while (true) {
                        b.clear();
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                    }
                } catch (IOException e) {
                    assertThat(e.getMessage()).contains("No space left");
                }
            }
        }
        assertThat(Files.getFileStore(mnt).getUsableSpace()).isLessThan(4096);
        return filler;
    }

    private void ok(String... args) throws Exception {
        Result r = vde(null, args);
        assertThat(r.status()).as("%s: %s", List.of(args), r.stderr()).isZero();
    }

    private static Path randomFile(Path p, int size, Random rnd) throws IOException {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        return Files.write(p, b);
    }
}
