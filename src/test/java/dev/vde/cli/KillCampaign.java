package dev.vde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A kill campaign: runs a vde command as a real process ({@code java -jar vde.jar ...}) on a copy
 * of a prepared image, sends it SIGKILL after a random delay, and judges what it left: fsck must
 * find it clean, its state (files, snapshots, bytes) must be exactly the state before the command
 * or exactly the state an unkilled run leaves, and the image must take a further command.
 *
 * <p>The kills land in the command's work, not in JVM start-up: a trial watches {@code
 * /proc/locks} until the process takes its lock on the image (start-up and argument parsing are
 * over, the command begins) and then waits a delay drawn uniformly from zero to how long an
 * unkilled run held its lock. Anchoring at the lock rather than at the process start keeps the
 * kills inside the work when start-up takes longer than it did for the unkilled run (a loaded
 * machine). Every tenth trial is killed in start-up instead, at a delay drawn up to the unkilled
 * run's time to its lock. Where each kill landed is read from {@code /proc/locks} just before
 * it is sent: while the process held its lock (in the command), while it did not (start-up, or
 * the exit after the lock was released), or after the process had exited (no crash at all).
 */
final class KillCampaign {
    /** What {@link Process#exitValue} answers for a process that SIGKILL ended (128 + 9). */
    static final int KILLED = 137;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "crash-probe";

    private final Path jar;
    private final String java;
    private final List<Process> started;
    private final long seed;
    private final Path keep;
    private final Path probe;
    private final byte[] probeBytes;
    private int runs;
    /** The state of each template, read once: most scenarios share one. */
    private final Map<Path, ImageState> templates = new HashMap<>();

    /**
     * @param started every process started is added here, so that the caller can kill what a
     *                failed test leaves running
     * @param keep    where the image of a failed trial is kept for inspection
     * @param work    scratch directory for the probe file
     */
    KillCampaign(Path jar, String java, List<Process> started, long seed, Path keep, Path work) throws IOException {
        this.jar = jar;
        this.java = java;
        this.started = started;
        this.seed = seed;
        this.keep = keep;
        this.probeBytes = new byte[5000];
        new SplittableRandom(seed).nextBytes(probeBytes);
        this.probe = Files.write(work.resolve("probe.bin"), probeBytes);
    }

    long seed() {
        return seed;
    }

    record Result(int status, String stdout, String stderr) {
    }

    /**
     * What a scenario runs and how its effect is judged.
     *
     * @param args   the command's arguments; {@link #IMG} stands for the image
     * @param repair the command is {@code fsck --repair} on a damaged image: its before-state is
     *               that damage, which fsck must still report exactly as before, and its
     *               follow-up is a second repair
     */
    record Scenario(String name, Path template, List<String> args, boolean repair) {
        static final String IMG = "{IMG}";

        List<String> argsFor(Path img) {
            return args.stream().map(a -> a.equals(IMG) ? img.toString() : a).toList();
        }
    }

    /** A scenario with its two acceptable states and the timing of an unkilled run. */
    /**
     * A scenario with its two acceptable states and the timing of an unkilled run.
     *
     * @param lockNanos from the process start to its lock on the image (the median of the runs)
     * @param workNanos how long it held the lock (the median of the runs)
     */
    record Prepared(Scenario scenario, ImageState before, ImageState after, Set<Long> known,
            List<String> beforeFindings, long lockNanos, long workNanos, ImageState.File probe) {
    }

    /** When a trial's SIGKILL is sent: {@code nanos} after the process took its lock, or after it started. */
    record Delay(boolean afterLock, long nanos) {
        @Override
        public String toString() {
            return String.format("%.1f ms after %s", nanos / 1e6, afterLock ? "the lock" : "the start");
        }
    }

    /** Where a kill landed. */
    enum Landed {
        /** The process held its lock on the image: inside the command's work. */
        IN_COMMAND,
        /** The process ran without its lock: JVM start-up and parsing, or exiting after the command. */
        OUTSIDE_LOCK,
        /** The process had exited before the signal: nothing was interrupted. */
        AFTER_EXIT
    }

    /**
     * One kill and its verdict.
     *
     * @param after      the image held the after-state (false: the before-state)
     * @param logPending recovery found a committed log not yet home (the kill fell between the
     *                   log's commit and its checkpoint)
     * @param failure    what was wrong, with everything needed to reproduce it; null if nothing
     */
    record Trial(int number, Delay delay, Landed landed, boolean after, boolean logPending, String failure) {
    }

    // ---- processes ----

    private Process start(Path out, Path err, List<String> args, boolean checkRun) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java));
        if (checkRun) {
            // Checks and follow-ups are short runs of cold code, where C2 compiles more than it
            // saves (fsck on these images: about a third faster). The command under test runs
            // with the JVM's defaults, as a user's does.
            cmd.add("-XX:TieredStopAtLevel=1");
        }
        cmd.addAll(List.of("-jar", jar.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null")
                .toFile())).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("VDE_DEBUG");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Runs vde to completion (a check or a follow-up: see {@link #start}). */
    Result vde(Path work, String... args) throws IOException, InterruptedException {
        Path out = work.resolve("run" + runs + ".out");
        Path err = work.resolve("run" + runs++ + ".err");
        Process p = start(out, err, List.of(args), true);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("vde " + String.join(" ", args) + " did not finish within 300 s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** A sparse copy: the images are mostly holes. */
    static void copy(Path from, Path to) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cp", "--sparse=always", from.toString(), to.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("cp " + from + " " + to + " failed: " + out);
        }
    }

    private static long inode(Path file) throws IOException {
        return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
    }

    /** True if process {@code pid} holds a POSIX lock on the file with inode {@code ino} (Linux /proc/locks). */
    static boolean holdsLock(long pid, long ino) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
                // "1: POSIX  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
                String[] f = line.trim().split("\\s+");
                if (f.length >= 6 && f[1].equals("POSIX") && f[4].equals(Long.toString(pid))
                        && f[5].endsWith(":" + ino)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** fsck's findings other than notes, one line each, sorted: what a repair must either fix or leave. */
    static List<String> problems(Result fsck) throws IOException {
        JsonNode doc = JSON.readTree(fsck.stdout());
        List<String> out = new ArrayList<>();
        for (JsonNode f : doc.get("findings")) {
            if (!f.get("severity").asText().equals("note")) {
                out.add(f.get("severity").asText() + " " + f.get("kind").asText() + " block " + f.get("block").asLong()
                        + " inode " + f.get("inode").asLong() + " " + f.get("structure").asText() + " '"
                        + f.get("name").asText() + "': " + f.get("message").asText());
            }
        }
        out.sort(null);
        return out;
    }

    // ---- preparing a scenario ----

    /**
     * Runs the scenario unkilled {@code references} times, each on a fresh copy: the first run's
     * image gives the after-state, every run must reach the same one (else before-or-after could
     * not be judged) and leave fsck clean, and the runs' median times to the lock and with it
     * bound the kill delays.
     */
    Prepared prepare(Scenario s, Path work, int references) throws Exception {
        ImageState before = templates.get(s.template());
        if (before == null) {
            before = ImageState.read(s.template(), true);
            templates.put(s.template(), before);
        }
        Set<Long> known = before.snapshotIds();
        before = before.masked(known);
        List<String> beforeFindings = List.of();
        Result check = vde(work, "fsck", s.template().toString(), "--json");
        if (s.repair()) {
            beforeFindings = problems(check);
            assertThat(check.status() == 4 && !beforeFindings.isEmpty(),
                    "%s: the damaged template has findings for fsck to repair (status 4): %s", s.name(), check);
        } else {
            assertThat(check.status() == 0, "%s: the template is clean: %s", s.name(), check);
        }
        ImageState after = null;
        ImageState.File probeFile = null;
        long[] lock = new long[references];
        long[] held = new long[references];
        for (int r = 0; r < references; r++) {
            Path img = work.resolve(s.name() + "-reference.vde");
            copy(s.template(), img);
            long ino = inode(img);
            Path out = work.resolve("reference.out");
            Path err = work.resolve("reference.err");
            Process p = start(out, err, s.argsFor(img), false);
            long t0 = System.nanoTime();
            lock[r] = -1;
            while (p.isAlive()) {
                if (lock[r] < 0 && holdsLock(p.pid(), ino)) {
                    lock[r] = System.nanoTime() - t0;
                }
                LockSupport.parkNanos(500_000);
            }
            held[r] = System.nanoTime() - t0 - lock[r];
            int expected = s.repair() ? 1 : 0;
            assertThat(p.exitValue() == expected, "%s: the unkilled run ends with status %d, not %d: %s", s.name(),
                    p.exitValue(), expected, Files.readString(err));
            assertThat(lock[r] >= 0, "%s: the unkilled run was seen holding its lock (it ran %d ms)", s.name(),
                    (System.nanoTime() - t0) / 1_000_000);
            Result fsck = vde(work, "fsck", img.toString());
            assertThat(fsck.status() == 0, "%s: fsck after the unkilled run is clean: %s", s.name(), fsck);
            ImageState state = ImageState.read(img, true).masked(known);
            if (after == null) {
                after = state;
                List<String> same = ImageState.differences(before, after, 1);
                assertThat(!same.isEmpty(), "%s: the command changes the image's state (or no kill could tell"
                        + " before from after)", s.name());
                if (!s.repair()) {
                    Result w = vde(work, "write", img.toString(), PROBE, "--input", probe.toString());
                    assertThat(w.status() == 0, "%s: the follow-up write works after the unkilled run: %s", s.name(), w);
                    probeFile = ImageState.read(img, false).holders().get(ImageState.LIVE).stream()
                            .filter(f -> f.name().equals(PROBE)).findFirst().orElseThrow();
                }
            } else {
                List<String> d = ImageState.differences(after, state, 5);
                assertThat(d.isEmpty(), "%s: two unkilled runs leave the same state, but the second differs: %s",
                        s.name(), d);
            }
            Files.delete(img);
        }
        Arrays.sort(lock);
        Arrays.sort(held);
        return new Prepared(s, before, after, known, beforeFindings, lock[references / 2], held[references / 2],
                probeFile);
    }

    // ---- one kill ----

    /**
     * The delay of trial {@code number} (see the class comment): drawn from the seed, the scenario
     * and the number alone, so that a rerun with the same seed draws the same fraction of the
     * same interval; {@code fixedAfterLock} (not negative) replaces it, to repeat one delay.
     */
    Delay delay(Prepared p, int number, long fixedAfterLock) {
        if (fixedAfterLock >= 0) {
            return new Delay(true, fixedAfterLock);
        }
        SplittableRandom r = new SplittableRandom(seed * 31 + p.scenario().name().hashCode() * 1_000_003L + number);
        if (number % 10 == 9) {
            return new Delay(false, (long) (r.nextDouble() * p.lockNanos()));
        }
        return new Delay(true, (long) (r.nextDouble() * p.workNanos()));
    }

    /** Copies the template, runs the command, kills it after {@code delay} and judges what it left. */
    Trial trial(Prepared p, Path work, int number, Delay delay) throws Exception {
        Scenario s = p.scenario();
        Path img = work.resolve(s.name() + "-" + number + ".vde");
        copy(s.template(), img);
        long ino = inode(img);
        Path out = work.resolve("trial.out");
        Path err = work.resolve("trial.err");
        Process proc = start(out, err, s.argsFor(img), false);
        long anchor = System.nanoTime();
        if (delay.afterLock()) {
            long giveUp = anchor + TimeUnit.SECONDS.toNanos(120);
            while (proc.isAlive() && !holdsLock(proc.pid(), ino) && System.nanoTime() < giveUp) {
                LockSupport.parkNanos(200_000);
            }
            anchor = System.nanoTime();
        }
        long deadline = anchor + delay.nanos();
        for (long left; (left = deadline - System.nanoTime()) > 0;) {
            LockSupport.parkNanos(left);
        }
        boolean locked = proc.isAlive() && holdsLock(proc.pid(), ino);
        proc.destroyForcibly();
        if (!proc.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("a killed process did not end within 60 s");
        }
        int status = proc.exitValue();
        Landed landed = status != KILLED ? Landed.AFTER_EXIT : locked ? Landed.IN_COMMAND : Landed.OUTSIDE_LOCK;
        Verdict v = new Verdict();
        try {
            judge(p, work, img, status, Files.readString(err), v);
        } catch (AssertionError e) {
            v.failure = e.getMessage();
        }
        String failure = null;
        if (v.failure != null) {
            Files.createDirectories(keep);
            Path kept = keep.resolve(img.getFileName());
            copy(img, kept);
            failure = String.format("seed %d, scenario %s, trial %d, SIGKILL %s (unkilled run: lock after %.1f ms,"
                    + " held %.1f ms), landed %s: %s%n  image kept at %s%s%n  rerun: -Dvde.crash.seed=%d"
                    + " -Dvde.crash.scenario=%s, or this delay alone: -Dvde.crash.delayMillis=%.1f",
                    seed, s.name(), number, delay, p.lockNanos() / 1e6, p.workNanos() / 1e6, landed, v.failure,
                    kept.toAbsolutePath(), v.followedUp ? " (after the follow-up command ran on it)" : "", seed,
                    s.name(), delay.nanos() / 1e6);
        }
        Files.delete(img);
        return new Trial(number, delay, landed, v.after, v.logPending, failure);
    }

    /** What a trial found; {@code failure} set stops it. */
    private static final class Verdict {
        boolean after;
        boolean logPending;
        boolean followedUp;
        String failure;
    }

    private void judge(Prepared p, Path work, Path img, int status, String stderr, Verdict v) throws Exception {
        Scenario s = p.scenario();
        int success = s.repair() ? 1 : 0;
        assertThat(status == KILLED || status == success, "the command failed on its own with status %d: %s", status,
                stderr);
        Result fsck = vde(work, "fsck", img.toString(), "--json");
        List<String> problems = fsck.status() == 8 ? List.of() : problems(fsck);
        if (s.repair()) {
            // A repair is one transaction: killed, it has either committed (clean) or left the
            // damage exactly as it found it; anything else is a repair that broke what it touched.
            assertThat(fsck.status() == 0 || fsck.status() == 4 && problems.equals(p.beforeFindings()),
                    "fsck after a killed repair is clean, or finds exactly the damage found before (status 4: %s),"
                            + " but: status %d, %s %s", p.beforeFindings(), fsck.status(), problems, fsck.stderr());
        } else {
            assertThat(fsck.status() == 0, "fsck is clean (status 0), but: status %d, %s %s", fsck.status(), problems,
                    fsck.stderr());
        }
        ImageState state = ImageState.read(img, true).masked(p.known());
        v.logPending = state.logPending();
        boolean before = ImageState.same(p.before(), state);
        v.after = ImageState.same(p.after(), state);
        assertThat(before || v.after, "the state is neither the one before the command nor the one after it:%n"
                + "  against before: %s%n  against after: %s", ImageState.differences(p.before(), state, 6),
                ImageState.differences(p.after(), state, 6));
        assertThat(status == KILLED || v.after, "the command exited with status %d but left the before-state", status);
        if (s.repair()) {
            assertThat(v.after == (fsck.status() == 0), "fsck's status %d agrees with the state (%s)", fsck.status(),
                    v.after ? "repaired" : "as before");
        }
        followUp(p, work, img, state, v);
    }

    /**
     * The image takes a further command, which replays a pending log for real (the state read
     * above only overlaid it), and the result is what that command makes of the state found.
     */
    private void followUp(Prepared p, Path work, Path img, ImageState state, Verdict v) throws Exception {
        v.followedUp = true;
        if (p.scenario().repair()) {
            Result again = vde(work, "fsck", img.toString(), "--repair");
            int expected = v.after ? 0 : 1;
            assertThat(again.status() == expected, "a second repair of the %s image ends with status %d, but: %d %s%s",
                    v.after ? "repaired" : "damaged", expected, again.status(), again.stdout(), again.stderr());
            assertFsckClean(work, img, "after the second repair");
            ImageState now = ImageState.read(img, false).masked(p.known());
            List<String> d = ImageState.differences(p.after().withoutContent(), now, 6);
            assertThat(d.isEmpty(), "after the second repair the image is in the after-state, but: %s", d);
            return;
        }
        Result w = vde(work, "write", img.toString(), PROBE, "--input", probe.toString());
        assertThat(w.status() == 0, "a follow-up write works, but: status %d %s", w.status(), w.stderr());
        assertFsckClean(work, img, "after the follow-up write");
        ImageState now = ImageState.read(img, false).masked(p.known());
        List<String> d = ImageState.differences(state.withoutContent().withoutLive(PROBE), now.withoutLive(PROBE), 6);
        assertThat(d.isEmpty(), "after the follow-up write, the files and snapshots are those found after the kill,"
                + " but: %s", d);
        ImageState.File got = now.holders().get(ImageState.LIVE).stream().filter(f -> f.name().equals(PROBE))
                .findFirst().orElse(null);
        assertThat(got != null && got.size() == p.probe().size() && got.digest().equals(p.probe().digest()),
                "the follow-up write's file holds what was written (%s), but: %s", p.probe(), got);
    }

    private void assertFsckClean(Path work, Path img, String when) throws Exception {
        Result fsck = vde(work, "fsck", img.toString());
        assertThat(fsck.status() == 0, "fsck is clean %s, but: status %d %s%s", when, fsck.status(), fsck.stdout(),
                fsck.stderr());
    }

    private static void assertThat(boolean holds, String format, Object... args) {
        if (!holds) {
            throw new AssertionError(String.format(format, args));
        }
    }

    // ---- report ----

    /** One line per scenario: the timing, where the kills landed and what they left. */
    static String summary(Prepared p, List<Trial> trials) {
        long in = trials.stream().filter(t -> t.landed() == Landed.IN_COMMAND).count();
        long outside = trials.stream().filter(t -> t.landed() == Landed.OUTSIDE_LOCK).count();
        long exited = trials.stream().filter(t -> t.landed() == Landed.AFTER_EXIT).count();
        long killedAfter = trials.stream().filter(t -> t.landed() != Landed.AFTER_EXIT && t.after()).count();
        long killedBefore = trials.stream().filter(t -> t.landed() != Landed.AFTER_EXIT && !t.after()
                && t.failure() == null).count();
        long pending = trials.stream().filter(Trial::logPending).count();
        long failed = trials.stream().filter(t -> t.failure() != null).count();
        return String.format("%-22s %4d kills  unkilled: lock after %5.0f ms, held %5.0f ms;"
                + " landed in command %3d, outside the lock %3d, after exit %3d; killed ones left before %3d, after %3d;"
                + " log pending %3d; failed %d", p.scenario().name(), trials.size(), p.lockNanos() / 1e6,
                p.workNanos() / 1e6, in, outside, exited, killedBefore,
                killedAfter, pending, failed);
    }
}
