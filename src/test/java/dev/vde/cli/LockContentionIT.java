package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many vde processes contending for one image. Without {@code --wait} a busy image answers 5 at
 * once; with it, commands queue behind the holder and all land; either way every command is
 * whole or absent and fsck stays clean.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class LockContentionIT extends JarProcesses {

    /** A command started in the background, its outputs in files. */
    private record Started(String what, Process process, Path err) {
        int await(int seconds) throws InterruptedException {
            assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("%s finished within %d s", what, seconds).isTrue();
            return process.exitValue();
        }

        String stderr() throws Exception {
            return Files.readString(err);
        }
    }

    private Started launch(String... args) throws Exception {
        Path err = dir.resolve("bg" + n++ + ".err");
        Process p = start(noInput(), ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.to(err.toFile()), args);
        return new Started(String.join(" ", args), p, err);
    }

    private Path randomFile(String name, int size, long seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    @Test
    void withoutWaitABusyImageAnswersFiveAtOnceAndWithWaitEveryCommandLands() throws Exception {
        Path img = dir.resolve("busy.vde");
        String image = img.toString();
        assertThat(vde(null, "format", image, "--size", "64M").status()).isZero();

        // The holder: a write whose stdin stays open keeps the exclusive lock as long as we like.
        Path holderErr = dir.resolve("holder.err");
        Process holder = start(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.to(holderErr.toFile()), "write", image, "held");
        OutputStream holderIn = holder.getOutputStream();
        holderIn.write("written while others wait".getBytes(UTF_8));
        holderIn.flush();
        awaitExclusiveLock(img, holder, holderErr);

        // Without --wait: six commands at once, every one 5, all while the holder still holds.
        Path x = randomFile("x.bin", 1 << 20, 1);
        List<Started> impatient = List.of(
                launch("write", image, "x1", "--input", x.toString()),
                launch("write", image, "x2", "--input", x.toString()),
                launch("ls", image),
                launch("info", image),
                launch("snapshot", "create", image, "nope"),
                launch("fsck", image));
        for (Started s : impatient) {
            assertThat(s.await(60)).as("%s (stderr: %s)", s.what(), s.stderr()).isEqualTo(ExitCodes.CONFLICT);
            assertThat(s.stderr()).contains("locked by another process", "--wait");
        }
        assertThat(holder.isAlive()).as("the impatient commands did not wait for the holder").isTrue();

        // With --wait: they queue; nothing lands while the holder holds.
        List<Path> inputs = new ArrayList<>();
        List<Started> patient = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path in = randomFile("w" + i + ".bin", (256 << 10) * (i + 1), 10 + i);
            inputs.add(in);
            patient.add(launch("write", image, "w" + i, "--input", in.toString(), "--wait"));
        }
        patient.add(launch("snapshot", "create", image, "queued", "--wait=120"));
        patient.add(launch("ls", image, "--wait"));
        Thread.sleep(1500);
        for (Started s : patient) {
            assertThat(s.process().isAlive()).as("%s waits for the holder (stderr: %s)", s.what(), s.stderr()).isTrue();
        }

        // A bounded wait runs out while the holder still holds: 5, after the time given.
        long t0 = System.nanoTime();
        Result bounded = vde(null, "cat", image, "held", "--wait=0.5");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertOneLineError(bounded, ExitCodes.CONFLICT);
        assertThat(bounded.stderr()).contains("still locked by another process after 0.5 s");
        assertThat(ms).as("a bounded wait waits").isGreaterThanOrEqualTo(500);

        holderIn.close();
        assertThat(await(holder, 60)).as(Files.readString(holderErr)).isZero();
        for (Started s : patient) {
            assertThat(s.await(120)).as("%s (stderr: %s)", s.what(), s.stderr()).isZero();
        }

        assertThat(vde(null, "cat", image, "held").stdout()).isEqualTo("written while others wait");
        for (int i = 0; i < inputs.size(); i++) {
            assertCatEquals(image, "w" + i, inputs.get(i));
        }
        assertThat(vde(null, "snapshot", "list", image).stdout()).contains("queued");
        assertThat(vde(null, "fsck", image).status()).isZero();
    }

    /**
     * Ten writers at once, none waiting: each lands whole (0) or not at all (5), whatever the
     * interleaving; with {@code --wait} all ten land.
     */
    @Test
    void concurrentWritersLandWholeOrAnswerFive() throws Exception {
        Path img = dir.resolve("contended.vde");
        String image = img.toString();
        assertThat(vde(null, "format", image, "--size", "128M").status()).isZero();
        for (boolean wait : new boolean[] {false, true}) {
            List<Started> writers = new ArrayList<>();
            List<Path> inputs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Path in = randomFile((wait ? "p" : "q") + i + ".bin", (1 << 20) + i * 4099, (wait ? 100 : 200) + i);
                inputs.add(in);
                String name = (wait ? "patient" : "racer") + i;
                writers.add(wait ? launch("write", image, name, "--input", in.toString(), "--wait")
                        : launch("write", image, name, "--input", in.toString()));
            }
            int[] status = new int[writers.size()];
            for (int i = 0; i < writers.size(); i++) {
                status[i] = writers.get(i).await(180);
            }
            // Checked once all have finished: a reader now would itself contend.
            int landed = 0;
            for (int i = 0; i < writers.size(); i++) {
                Started s = writers.get(i);
                String name = (wait ? "patient" : "racer") + i;
                if (status[i] == 0) {
                    landed++;
                    assertCatEquals(image, name, inputs.get(i));
                } else {
                    assertThat(wait).as("%s answered %d: %s", s.what(), status[i], s.stderr()).isFalse();
                    assertThat(status[i]).as(s.stderr()).isEqualTo(ExitCodes.CONFLICT);
                    assertThat(vde(null, "cat", image, name).status()).as("%s left nothing", name)
                            .isEqualTo(ExitCodes.NOT_FOUND);
                }
            }
            assertThat(landed).as("writers that landed (--wait: %s)", wait).isBetween(wait ? 10 : 1, 10);
            System.out.println("LockContentionIT: " + landed + " of 10 concurrent writers landed"
                    + (wait ? " with --wait" : " without --wait (the rest answered 5)"));
            assertThat(vde(null, "fsck", image).status()).isZero();
        }
    }

    private void assertCatEquals(String image, String name, Path expected) throws Exception {
        Path out = dir.resolve("cat" + n++ + ".out");
        Process c = start(noInput(), ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.DISCARD, "cat",
                image, name);
        assertThat(await(c, 60)).as("cat %s", name).isZero();
        assertThat(Files.mismatch(out, expected)).as("bytes of %s", name).isEqualTo(-1);
    }
}
