package dev.vde.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the packaged jar as real processes: {@code java -jar target/vde.jar ...}. Failsafe runs
 * it in the integration-test phase of {@code mvn verify}, after {@code package} has built the jar.
 * Every wait has a timeout; processes still alive at the end of a test are killed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JarProcessIT extends JarProcesses {

    @Test
    void versionAndUsageErrorFromTheJar() throws Exception {
        Result v = vde(null, "--version");
        assertThat(v.status()).isZero();
        assertThat(v.stdout()).startsWith("vde ").doesNotContain("unknown");
        assertOneLineError(vde(null, "--bogus"), ExitCodes.USAGE);
        assertOneLineError(vde(null, "cat", dir.resolve("missing.vde").toString(), "x"), ExitCodes.NOT_FOUND);
    }

    @Test
    void vdeDebugInTheEnvironmentAddsAStackTrace() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(JAVA, "-jar", JAR.toString(), "cat",
                dir.resolve("missing.vde").toString(), "x").redirectErrorStream(true);
        pb.environment().put("VDE_DEBUG", "1");
        Process p = pb.start();
        started.add(p);
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertThat(await(p, 60)).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(out).startsWith("vde: error: ").contains("\tat ");
    }

    @Test
    void fiveMebibytesThroughStdinAndStdout() throws Exception {
        Path img = dir.resolve("disk.vde");
        Result f = vde(null, "format", img.toString(), "--size", "64M");
        assertThat(f.status()).as(f.stderr()).isZero();

        byte[] data = new byte[5 << 20];
        new Random(5).nextBytes(data);
        Path err = dir.resolve("write.err");
        Process w = start(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.to(err.toFile()), "write", img.toString(), "random.bin");
        try (OutputStream stdin = w.getOutputStream()) {
            for (int off = 0; off < data.length; off += 65536) {
                stdin.write(data, off, Math.min(65536, data.length - off));
            }
        }
        assertThat(await(w, 60)).as(Files.readString(err)).isZero();

        Process c = start(noInput(), ProcessBuilder.Redirect.PIPE,
                ProcessBuilder.Redirect.to(dir.resolve("cat.err").toFile()), "cat", img.toString(), "random.bin");
        byte[] got;
        try (InputStream stdout = c.getInputStream()) {
            got = stdout.readAllBytes();
        }
        assertThat(await(c, 60)).isZero();
        assertThat(Files.readString(dir.resolve("cat.err"))).isEmpty();
        assertThat(got.length).isEqualTo(data.length);
        assertThat(sha256(got)).isEqualTo(sha256(data));

        // stdin redirected from a file is a seekable channel (copied with sendfile), a pipe is not
        Path file = Files.write(dir.resolve("redirected.bin"), data);
        Result r = vde(file, "write", img.toString(), "redirected.bin");
        assertThat(r.status()).as(r.stderr()).isZero();
        Process c2 = start(noInput(), ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD, "cat",
                img.toString(), "redirected.bin");
        byte[] again;
        try (InputStream stdout = c2.getInputStream()) {
            again = stdout.readAllBytes();
        }
        assertThat(await(c2, 60)).isZero();
        assertThat(sha256(again)).isEqualTo(sha256(data));
    }

    /**
     * Streaming: 300 MiB go through {@code write} from stdin and back through {@code cat} in JVMs
     * limited to a 32 MiB heap. Holding the data anywhere in the heap would fail.
     */
    @Test
    void writeAndCatStreamWithAFlatHeap() throws Exception {
        Path img = dir.resolve("disk.vde");
        assertThat(vde(null, "format", img.toString(), "--size", "512M").status()).isZero();
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        Path err = dir.resolve("write.err");
        Process w = startWithHeap("32m", ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.to(err.toFile()), "write", img.toString(), "big.bin");
        Random rnd = new Random(3);
        byte[] piece = new byte[1 << 20];
        try (OutputStream stdin = w.getOutputStream()) {
            for (int i = 0; i < 300; i++) {
                rnd.nextBytes(piece);
                sent.update(piece);
                stdin.write(piece);
            }
        }
        assertThat(await(w, 120)).as(Files.readString(err)).isZero();

        Process c = startWithHeap("32m", noInput(), ProcessBuilder.Redirect.PIPE,
                ProcessBuilder.Redirect.to(dir.resolve("cat.err").toFile()), "cat", img.toString(), "big.bin");
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream stdout = c.getInputStream()) {
            for (int n; (n = stdout.read(piece)) > 0; total += n) {
                got.update(piece, 0, n);
            }
        }
        assertThat(await(c, 120)).as(Files.readString(dir.resolve("cat.err"))).isZero();
        assertThat(total).isEqualTo(300L << 20);
        assertThat(got.digest()).isEqualTo(sent.digest());
    }

    /**
     * SIGKILL in the middle of large writes: after each kill the image opens with the file's old
     * content or its new one (never a mix), and fsck finds it clean.
     */
    @Test
    void killedInTheMiddleOfLargeWritesTheImageHoldsOldOrNew() throws Exception {
        Path img = dir.resolve("disk.vde");
        assertThat(vde(null, "format", img.toString(), "--size", "256M").status()).isZero();
        byte[] old = new byte[3 << 20];
        new Random(1).nextBytes(old);
        Path oldFile = Files.write(dir.resolve("old.bin"), old);
        assertThat(vde(null, "write", img.toString(), "f", "--input", oldFile.toString()).status()).isZero();
        String oldSha = sha256(old);
        Random rnd = new Random(2);
        int sawNew = 0;
        for (int round = 0; round < 6; round++) {
            byte[] fresh = new byte[64 << 20];
            rnd.nextBytes(fresh);
            Process w = start(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD,
                    ProcessBuilder.Redirect.DISCARD, "write", img.toString(), "f", "--truncate");
            int sent = 0;
            // even rounds: kill while the input still streams; odd rounds: send everything, then
            // kill after a random delay, in the copy, the sync or the commit
            int killAt = round % 2 == 0 ? (8 + rnd.nextInt(48)) << 20 : fresh.length;
            OutputStream in = w.getOutputStream();
            try {
                while (sent < fresh.length) {
                    int n = Math.min(1 << 20, fresh.length - sent);
                    in.write(fresh, sent, n);
                    sent += n;
                    if (sent >= killAt) {
                        break;
                    }
                }
                if (round % 2 == 1) {
                    in.close();
                    Thread.sleep(rnd.nextInt(400));
                }
            } catch (IOException pipeClosed) {
                // the writer already finished or died
            }
            w.destroyForcibly();
            try {
                in.close();
            } catch (IOException ignored) {
                // the pipe is gone with the process
            }
            w.waitFor(30, TimeUnit.SECONDS);
            Process c = start(noInput(), ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD,
                    "cat", img.toString(), "f");
            byte[] got;
            try (InputStream out = c.getInputStream()) {
                got = out.readAllBytes();
            }
            assertThat(await(c, 60)).isZero();
            String gotSha = sha256(got);
            String newSha = sha256(fresh);
            assertThat(gotSha).as("round %d: the old or the whole new content", round).isIn(oldSha, newSha);
            Result fsck = vde(null, "fsck", img.toString());
            assertThat(fsck.status()).as("round %d: %s", round, fsck.stdout()).isZero();
            if (gotSha.equals(newSha)) {
                sawNew++;
                old = fresh;
                oldSha = newSha;
            }
        }
        System.out.println("JarProcessIT: " + sawNew + " of 6 killed writes had committed");
    }

    /** {@code vde cat ... | head -c 100}: the reader goes away; no stack trace, status 141. */
    @Test
    void earlyCloseOfStdout() throws Exception {
        Path img = dir.resolve("disk.vde");
        assertThat(vde(null, "format", img.toString(), "--size", "64M").status()).isZero();
        Path big = dir.resolve("big.bin");
        byte[] data = new byte[4 << 20];
        new Random(7).nextBytes(data);
        Files.write(big, data);
        assertThat(vde(null, "write", img.toString(), "big", "--input", big.toString()).status()).isZero();

        Path err = dir.resolve("cat.err");
        Process c = start(noInput(), ProcessBuilder.Redirect.PIPE,
                ProcessBuilder.Redirect.to(err.toFile()), "cat", img.toString(), "big");
        InputStream stdout = c.getInputStream();
        byte[] head = stdout.readNBytes(100);
        stdout.close();
        int status = await(c, 30);
        assertThat(head).isEqualTo(java.util.Arrays.copyOf(data, 100));
        assertThat(Files.readString(err)).as("stderr").isEmpty();
        assertThat(status).isEqualTo(ExitCodes.BROKEN_PIPE);

        // the same through a shell pipeline, as a user runs it
        Process sh = new ProcessBuilder("bash", "-c", "set -o pipefail; \"$0\" -jar \"$1\" cat \"$2\" big | head -c 100"
                + " | wc -c; echo \"status ${PIPESTATUS[0]}\"", JAVA, JAR.toString(), img.toString())
                .redirectError(ProcessBuilder.Redirect.to(dir.resolve("sh.err").toFile())).start();
        started.add(sh);
        String out = new String(sh.getInputStream().readAllBytes(), UTF_8);
        await(sh, 30);
        assertThat(out.lines().toList()).containsExactly("100", "status 141");
        assertThat(Files.readString(dir.resolve("sh.err"))).isEmpty();
    }

    /**
     * Two real processes: a {@code write} that holds the exclusive lock while its stdin stays open,
     * and a second command that must answer 5 at once rather than wait.
     */
    @Test
    void lockedImageAnswersFiveAtOnce() throws Exception {
        Path img = dir.resolve("disk.vde");
        assertThat(vde(null, "format", img.toString(), "--size", "16M").status()).isZero();
        Path seed = Files.writeString(dir.resolve("seed.txt"), "seed");
        assertThat(vde(null, "write", img.toString(), "seed", "--input", seed.toString()).status()).isZero();

        Path slowErr = dir.resolve("slow.err");
        Process slow = start(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD,
                ProcessBuilder.Redirect.to(slowErr.toFile()), "write", img.toString(), "slow");
        OutputStream slowIn = slow.getOutputStream();
        slowIn.write("first part ".getBytes(UTF_8));
        slowIn.flush();

        // Wait until the writer holds its lock. Probing with another vde process would race: a
        // probe holding its shared lock at the writer's start makes the writer fail with 5.
        // /proc/locks shows the lock without taking one.
        awaitExclusiveLock(img, slow, slowErr);
        Result r = vde(null, "cat", img.toString(), "seed");
        assertOneLineError(r, ExitCodes.CONFLICT);
        assertThat(r.stderr()).contains("locked");

        long t0 = System.nanoTime();
        Path other = Files.writeString(dir.resolve("other.txt"), "other");
        Result w = vde(null, "write", img.toString(), "other", "--input", other.toString());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertOneLineError(w, ExitCodes.CONFLICT);
        assertThat(ms).as("a second writer does not wait for the lock").isLessThan(15_000);
        assertOneLineError(vde(null, "ls", img.toString()), ExitCodes.CONFLICT);

        slowIn.write("second part".getBytes(UTF_8));
        slowIn.close();
        assertThat(await(slow, 30)).as(Files.readString(slowErr)).isZero();

        Result cat = vde(null, "cat", img.toString(), "slow");
        assertThat(cat.status()).isZero();
        assertThat(cat.stdout()).isEqualTo("first part second part");
        assertThat(vde(null, "ls", img.toString()).stdout().lines().toList()).containsExactly("seed", "slow");
    }
}
