package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real medium errors: the image lives on a btrfs file system in a loop device, and a byte of
 * the backing file is changed under btrfs, which then fails its data checksum and answers EIO,
 * as a disk with a bad sector would. Whether the read comes through pread, sendfile or the
 * mapping (where EIO arrives as SIGBUS), vde answers status 7 with one line.
 *
 * <p>Needs root, loop devices and btrfs (mkfs.btrfs from btrfs-progs, which .ci/run installs);
 * skipped with a message elsewhere.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MediumErrorIT extends JarProcesses {
    private static final int SECTOR = 4096;

    private Path backing;
    private Path mnt;
    private boolean mounted;

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        return done && p.exitValue() == 0 ? null : String.join(" ", cmd) + ": " + out;
    }

    private void mount() throws Exception {
        String failed = run("mount", "-o", "loop", backing.toString(), mnt.toString());
        assumeTrue(failed == null, "skipped: cannot mount a btrfs loop device here: " + failed);
        mounted = true;
    }

    /** Unmounting drops the page cache of the file system, so the next read goes to the "disk". */
    private void unmount() throws Exception {
        assertThat(run("umount", mnt.toString())).isNull();
        mounted = false;
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (mounted) {
            run("umount", mnt.toString());
        }
    }

    @Test
    void badSectorsUnderDataAndMetadataAnswerSeven() throws Exception {
        backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(256 << 20); // sparse: FileChannel.truncate only shrinks
        }
        String mkfs = run("mkfs.btrfs", "-q", backing.toString());
        assumeTrue(mkfs == null, "skipped: no btrfs here (install btrfs-progs): " + mkfs);
        mnt = Files.createDirectory(dir.resolve("mnt"));
        mount();

        Path img = mnt.resolve("img.vde");
        assertThat(vde(null, "format", img.toString(), "--size", "64M").status()).isZero();
        byte[] data = new byte[1 << 20];
        new Random(8).nextBytes(data);
        Path in = Files.write(dir.resolve("data.bin"), data);
        assertThat(vde(null, "write", img.toString(), "data", "--input", in.toString()).status()).isZero();
        assertThat(vde(null, "write", img.toString(), "other", "--input", in.toString()).status()).isZero();
        // Block 0, superblock A: every open reads it first, with pread.
        byte[] superblock = Arrays.copyOf(Files.readAllBytes(img), SECTOR);
        unmount();

        damageSectorHolding(Arrays.copyOfRange(data, 100 * SECTOR, 101 * SECTOR));
        mount();
        // cat may write the bytes before the bad sector: stdout is dropped, the status and error are checked.
        Path catErr = dir.resolve("cat.err");
        Process cat = start(noInput(), ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.to(catErr.toFile()),
                "cat", img.toString(), "data");
        assertThat(await(cat, 60)).as(Files.readString(catErr)).isEqualTo(ExitCodes.CORRUPT);
        assertThat(Files.readString(catErr)).startsWith("vde: error: ").contains("medium error").doesNotContain("\tat ")
                .hasLineCount(1);
        // the rest of the image still reads
        assertThat(vde(null, "ls", img.toString()).stdout()).isEqualTo("data\nother\n");
        unmount();

        damageSectorHolding(superblock);
        mount();
        Result ls = vde(null, "ls", img.toString());
        assertOneLineError(ls, ExitCodes.CORRUPT);
    }

    /** Finds the sector of the backing file that holds {@code content} and changes one byte of it. */
    private void damageSectorHolding(byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            byte[] sector = new byte[SECTOR];
            int found = 0;
            for (long at = 0; at + SECTOR <= ch.size(); at += SECTOR) {
                map.get((int) at, sector);
                if (Arrays.equals(sector, content)) {
                    ByteBuffer flipped = ByteBuffer.wrap(new byte[] {(byte) ~sector[100]});
                    ch.write(flipped, at + 100);
                    found++;
                }
            }
            assertThat(found).as("copies of the sector in the backing file").isPositive();
        }
    }
}
