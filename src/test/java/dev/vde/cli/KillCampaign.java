package dev.vde.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vde.format.Superblock;
import dev.vde.image.Image;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
 * <p>The kills land in the command's work, not in JVM start-up. A trial's delay counts from one of
 * four moments ({@link Anchor}) and is drawn uniformly over what follows it in an unkilled run.
 * About half count from the moment the process takes its lock on the image (start-up and
 * argument parsing are over, the command begins; seen in {@code /proc/locks}), up to how long
 * the unkilled run held the lock. A commit is a few milliseconds of a command that lasts
 * hundreds, so uniform delays would almost never fall into it: about a fifth count from the
 * command's first log write, up to the unkilled run's time from there to its superblock home,
 * and a fifth from its log header write (the commit point), up to its time from there to its
 * superblock, so that recovery must replay a committed log. Every tenth counts from the process
 * start, up to the unkilled run's time to its lock. Anchoring at what the process does, rather
 * than at its start, keeps the kills where they are meant to land when the machine is slower
 * than it was for the unkilled run.
 *
 * <p>Where each kill landed is recorded twice ({@link Landed}): whether the process had taken its
 * lock (in the command) or not (start-up), or had exited before the signal (nothing was
 * interrupted); and from the image after it ({@link CommitWatch.Phase}), how far the commit had
 * gone.
 */
final class KillCampaign {
    /** What {@link Process#exitValue} answers for a process that SIGKILL ended (128 + 9). */
    static final int KILLED = 137;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "crash-probe";
    /**
     * Pause between two looks at the image while a command runs (a look takes a few
     * microseconds; a pause, with the kernel's timer slack, 50 to 250): short against a commit
     * (3 to 25 ms here), and the watching leaves the command most of the CPU it shares.
     */
    private static final long POLL_NANOS = 20_000;

    private final Path jar;
    private final String java;
    private final List<Process> started;
    private final long seed;
    private final Path keep;
    private final Path probe;
    private int runs;
    /** What is known of each template, found once: most scenarios share one. */
    private final Map<Path, Template> templates = new HashMap<>();

    /** A template's state, superblock and fsck report. */
    private record Template(ImageState state, Superblock sb, Result fsck) {
    }

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
        byte[] probeBytes = new byte[5000];
        new SplittableRandom(seed).nextBytes(probeBytes);
        this.probe = Files.write(work.resolve("probe.bin"), probeBytes);
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

    /**
     * A scenario with its two acceptable states and the timing of an unkilled run (medians over
     * the runs).
     *
     * @param lockNanos       from the process start to its lock on the image
     * @param heldNanos       how long it held the lock
     * @param commitNanos     from its first log write to its superblock home
     * @param checkpointNanos from its log header write to its superblock home
     */
    record Prepared(Scenario scenario, ImageState before, ImageState after, Set<Long> known,
            List<String> beforeFindings, long walStart, int blockSize, long lockNanos, long heldNanos,
            long commitNanos, long checkpointNanos, ImageState.File probe) {
    }

    /** What a kill's delay counts from. */
    enum Anchor {
        /** The process start. */
        START,
        /** The process taking its lock on the image. */
        LOCK,
        /** The command's first write of its log. */
        LOG,
        /** The command's write of its log header: the commit point. */
        HEADER
    }

    /** When a trial's SIGKILL is sent: {@code nanos} after the {@code anchor}. */
    record Delay(Anchor anchor, long nanos) {
        /** The form {@code -Dvde.crash.delay} takes, e.g. {@code lock:12.5} (milliseconds). */
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s:%.3f", anchor.name().toLowerCase(Locale.ROOT), nanos / 1e6);
        }

        static Delay parse(String s) {
            int colon = s.indexOf(':');
            return new Delay(Anchor.valueOf(s.substring(0, colon).toUpperCase(Locale.ROOT)),
                    (long) (Double.parseDouble(s.substring(colon + 1)) * 1e6));
        }
    }

    /** Where a kill landed. */
    enum Landed {
        /** Before the process took its lock on the image: JVM start-up and parsing. */
        START_UP,
        /** After the process took its lock: in the command (or, its commit home, on the way out). */
        IN_COMMAND,
        /** The process had exited before the signal: nothing was interrupted. */
        AFTER_EXIT
    }

    /**
     * One kill and its verdict.
     *
     * @param phase      how far the commit had gone when the process died
     * @param after      the image held the after-state (false: the before-state)
     * @param logPending recovery found a committed log not yet home
     * @param failure    what was wrong, with everything needed to reproduce it; null if nothing
     */
    record Trial(int number, Delay delay, Landed landed, CommitWatch.Phase phase, boolean after, boolean logPending,
            String failure) {
    }

    /**
     * Watches an image file for the writes of a commit, in the order {@code Journal.commit} makes
     * them: the log slots, then the log header (the commit point), then the blocks home and last a
     * superblock copy. It reads the file, which shares the page cache the process stores its
     * mapping into, so a write is seen as soon as it is made, and compares with the blocks as they
     * were before the process started.
     */
    static final class CommitWatch implements Closeable {
        /** How far a commit has gone. */
        enum Phase {
            /** Nothing of the log is written. */
            NONE,
            /** Log slots are written, the header is not: the commit point is not reached. */
            LOG,
            /** The header is written: the log is committed, its blocks not yet (all) home. */
            COMMITTED,
            /** A superblock is written, the last write of a commit. */
            HOME
        }

        /**
         * Log slots compared. A transaction writes its images from the slot after its descriptors
         * on, then the descriptors: either way one of these changes first unless the transaction
         * is so large that it has more descriptors, whose writes then show the log just before
         * the header does. Comparing the whole region (4 MiB here) made a look take too long.
         */
        private static final int SLOTS = 8;
        private final FileChannel ch;
        private final int bs;
        private final long walStart;
        private final byte[] superblocks;
        private final byte[] header;
        private final byte[] slots;
        private final byte[] now;

        CommitWatch(Path img, long walStart, int bs) throws IOException {
            this.ch = FileChannel.open(img, StandardOpenOption.READ);
            this.bs = bs;
            this.walStart = walStart;
            this.now = new byte[SLOTS * bs];
            this.superblocks = Arrays.copyOf(read(0, 2), 2 * bs);
            this.header = Arrays.copyOf(read(walStart, 1), bs);
            this.slots = Arrays.copyOf(read(walStart + 1, SLOTS), SLOTS * bs);
        }

        /** Reads {@code count} blocks into the start of {@link #now}, and returns it. */
        private byte[] read(long block, int count) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(now, 0, count * bs);
            long pos = block * bs;
            while (b.hasRemaining()) {
                if (ch.read(b, pos + b.position()) < 0) {
                    throw new IOException("the image ends before block " + (block + count));
                }
            }
            return now;
        }

        private boolean changed(long block, byte[] before) throws IOException {
            int n = before.length;
            return !Arrays.equals(read(block, n / bs), 0, n, before, 0, n);
        }

        Phase phase() throws IOException {
            if (changed(0, superblocks)) {
                return Phase.HOME;
            }
            if (changed(walStart, header)) {
                return Phase.COMMITTED;
            }
            return changed(walStart + 1, slots) ? Phase.LOG : Phase.NONE;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    // ---- processes ----

    private Process start(Path out, Path err, List<String> args, boolean checkRun) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(java));
        if (checkRun) {
            // Checks and follow-ups are short runs of cold code, where C2 compiles more than it
            // saves (fsck on these images: about a third of the time). The command under test
            // runs with the JVM's defaults, as a user's does.
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

    private static void spinUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0;) {
            // parkNanos oversleeps by tens of microseconds, a good part of a commit: spin the last millisecond
            if (left > 1_000_000) {
                LockSupport.parkNanos(left - 1_000_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    // ---- preparing a scenario ----

    /**
     * Runs the scenario unkilled {@code references} times, each on a fresh copy, watching its
     * lock and its commit: the first run's image gives the after-state, every run must reach the
     * same one (else before-or-after could not be judged) and leave fsck clean, and the runs'
     * median timings bound the kill delays.
     */
    Prepared prepare(Scenario s, Path work, int references) throws Exception {
        Template tpl = templates.get(s.template());
        if (tpl == null) {
            Superblock sb;
            try (Image img = Image.open(s.template(), false)) {
                sb = img.superblock();
            }
            tpl = new Template(ImageState.read(s.template(), true), sb, vde(work, "fsck", s.template().toString(),
                    "--json"));
            templates.put(s.template(), tpl);
        }
        Set<Long> known = tpl.state().snapshotIds();
        ImageState before = tpl.state().masked(known);
        Superblock sb = tpl.sb();
        List<String> beforeFindings = List.of();
        Result check = tpl.fsck();
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
        long[] commit = new long[references];
        long[] checkpoint = new long[references];
        for (int r = 0; r < references; r++) {
            Path img = work.resolve(s.name() + "-reference.vde");
            copy(s.template(), img);
            long ino = inode(img);
            Path out = work.resolve("reference.out");
            Path err = work.resolve("reference.err");
            long[] at = new long[CommitWatch.Phase.values().length];
            Arrays.fill(at, -1);
            lock[r] = -1;
            long t0;
            Process p;
            try (CommitWatch watch = new CommitWatch(img, sb.walStart, sb.blockSize)) {
                p = start(out, err, s.argsFor(img), false);
                t0 = System.nanoTime();
                long nextLockLook = t0;
                while (p.isAlive()) {
                    long t = System.nanoTime();
                    if (lock[r] < 0 && t >= nextLockLook) {
                        lock[r] = holdsLock(p.pid(), ino) ? t - t0 : -1;
                        nextLockLook = t + 200_000;
                    }
                    CommitWatch.Phase ph = watch.phase();
                    for (int i = 1; i <= ph.ordinal(); i++) {
                        if (at[i] < 0) {
                            at[i] = t - t0;
                        }
                    }
                    LockSupport.parkNanos(POLL_NANOS);
                }
            }
            held[r] = System.nanoTime() - t0 - lock[r];
            int expected = s.repair() ? 1 : 0;
            assertThat(p.exitValue() == expected, "%s: the unkilled run ends with status %d, not %d: %s", s.name(),
                    p.exitValue(), expected, Files.readString(err));
            assertThat(lock[r] >= 0, "%s: the unkilled run was seen holding its lock (it ran %d ms)", s.name(),
                    (System.nanoTime() - t0) / 1_000_000);
            long log = at[CommitWatch.Phase.LOG.ordinal()];
            long header = at[CommitWatch.Phase.COMMITTED.ordinal()];
            long home = at[CommitWatch.Phase.HOME.ordinal()];
            assertThat(log >= lock[r] && home >= log, "%s: the unkilled run was seen writing its log after taking"
                    + " its lock and its superblock last (lock %d, log %d, home %d ns)", s.name(), lock[r], log, home);
            commit[r] = home - log;
            checkpoint[r] = home - header;
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
        Arrays.sort(commit);
        Arrays.sort(checkpoint);
        int mid = references / 2;
        return new Prepared(s, before, after, known, beforeFindings, sb.walStart, sb.blockSize, lock[mid], held[mid],
                commit[mid], checkpoint[mid], probeFile);
    }

    // ---- one kill ----

    /**
     * The delay of trial {@code number} (see the class comment), drawn from the seed, the scenario
     * and the number alone, so that a rerun with the same seed draws the same fraction of the
     * same interval.
     */
    Delay delay(Prepared p, int number) {
        SplittableRandom r = new SplittableRandom(seed * 31 + p.scenario().name().hashCode() * 1_000_003L + number);
        if (number % 10 == 9) {
            return new Delay(Anchor.START, (long) (r.nextDouble() * p.lockNanos()));
        }
        return switch (number % 4) {
            case 1 -> new Delay(Anchor.LOG, (long) (r.nextDouble() * commitSpan(p.commitNanos())));
            case 2 -> new Delay(Anchor.HEADER, (long) (r.nextDouble() * commitSpan(p.checkpointNanos())));
            default -> new Delay(Anchor.LOCK, (long) (r.nextDouble() * p.heldNanos()));
        };
    }

    /**
     * A little past the end of an unkilled commit's part, so that one slowed by the machine is
     * covered to its end; at least 2 ms, in case the unkilled run's watch saw the whole part at
     * one look (a look may wait a while descheduled: commits took 3 to 25 ms).
     */
    private static long commitSpan(long unkilled) {
        return Math.max(unkilled * 5 / 4, 2_000_000);
    }

    /** Copies the template, runs the command, kills it after {@code delay} and judges what it left. */
    Trial trial(Prepared p, Path work, int number, Delay delay) throws Exception {
        Scenario s = p.scenario();
        Path img = work.resolve(s.name() + "-" + number + ".vde");
        copy(s.template(), img);
        long ino = inode(img);
        Path out = work.resolve("trial.out");
        Path err = work.resolve("trial.err");
        boolean lockTaken = false;
        CommitWatch.Phase phase;
        Process proc;
        try (CommitWatch watch = new CommitWatch(img, p.walStart(), p.blockSize())) {
            proc = start(out, err, s.argsFor(img), false);
            long anchor = System.nanoTime();
            long giveUp = anchor + TimeUnit.SECONDS.toNanos(120);
            if (delay.anchor() == Anchor.LOCK) {
                while (!(lockTaken = holdsLock(proc.pid(), ino)) && proc.isAlive() && System.nanoTime() < giveUp) {
                    LockSupport.parkNanos(200_000);
                }
                anchor = System.nanoTime();
            } else if (delay.anchor() != Anchor.START) {
                CommitWatch.Phase from = delay.anchor() == Anchor.LOG ? CommitWatch.Phase.LOG
                        : CommitWatch.Phase.COMMITTED;
                while (!(lockTaken = watch.phase().compareTo(from) >= 0) && proc.isAlive()
                        && System.nanoTime() < giveUp) {
                    LockSupport.parkNanos(POLL_NANOS);
                }
                anchor = System.nanoTime();
            }
            spinUntil(anchor + delay.nanos());
            if (delay.anchor() == Anchor.START) {
                // Only here is /proc/locks read just before the signal: a read of it waited up to
                // 17 ms while the process was in its commit, the whole of a commit here, and a kill
                // meant for the commit came after it. In start-up nothing commits.
                lockTaken = holdsLock(proc.pid(), ino);
            }
            proc.destroyForcibly();
            if (!proc.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("a killed process did not end within 60 s");
            }
            phase = watch.phase();
        }
        int status = proc.exitValue();
        Landed landed = status != KILLED ? Landed.AFTER_EXIT : lockTaken ? Landed.IN_COMMAND : Landed.START_UP;
        Verdict v = new Verdict();
        try {
            judge(p, work, img, status, Files.readString(err), v);
        } catch (AssertionError e) {
            v.failure = e.getMessage();
        } catch (IOException | RuntimeException e) {
            // An image the engine cannot open or read, or a report that is not what fsck prints
            v.failure = e.toString();
        }
        String failure = null;
        if (v.failure != null) {
            Files.createDirectories(keep);
            Path kept = keep.resolve(img.getFileName());
            copy(img, kept);
            failure = String.format(Locale.ROOT, "seed %d, scenario %s, trial %d, SIGKILL %s ms (unkilled run: lock"
                    + " after %.1f ms, held %.1f ms, commit %.3f ms, from its header %.3f ms), landed %s, commit phase"
                    + " %s: %s%n  image kept at %s%s%n  rerun: -Dvde.crash.seed=%d -Dvde.crash.scenario=%s, or this"
                    + " delay alone: -Dvde.crash.delay=%s", seed, s.name(), number, delay, p.lockNanos() / 1e6,
                    p.heldNanos() / 1e6, p.commitNanos() / 1e6, p.checkpointNanos() / 1e6, landed, phase, v.failure,
                    kept.toAbsolutePath(),
                    v.followedUp ? " (after the follow-up command ran on it)" : "", seed, s.name(), delay);
        }
        Files.delete(img);
        return new Trial(number, delay, landed, phase, v.after, v.logPending, failure);
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
            // --repair answers 1 whenever it writes, and replaying a committed log is a write,
            // though fsck counts that log as a note, not an error (FsckCliTest expects the same
            // of a log that restores a superblock copy): 0 only for an image it leaves untouched.
            int expected = v.after && !v.logPending ? 0 : 1;
            assertThat(again.status() == expected, "a second repair of the %s image%s ends with status %d, but: %d %s%s",
                    v.after ? "repaired" : "damaged", v.logPending ? " (its log to replay)" : "", expected,
                    again.status(), again.stdout(), again.stderr());
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
            throw new AssertionError(String.format(Locale.ROOT, format, args));
        }
    }

    // ---- report ----

    /** The header of {@link #summary}'s rows. */
    static final String SUMMARY_HEADER = String.format(Locale.ROOT, "%-22s %5s | %6s %6s | %6s %6s %6s %6s | %6s %6s"
            + " %7s | %6s | %7s %7s %9s %9s", "scenario", "kills", "exited", "start", "work", "log", "commit", "home",
            "before", "after", "pending", "failed", "lock ms", "held ms", "commit ms", "header ms");

    /**
     * One row per scenario: kills; how many came after the process had exited, and how many in
     * its start-up; of those in the command, how far its commit had gone (not begun: in the work;
     * log slots written; log committed, not yet home; home: on the way out); what the kills left
     * (the before-state, the after-state, of either a log that recovery had to replay); failures;
     * the unkilled run's time to its lock, with its lock, and from its first log write and from
     * its log header to its superblock.
     */
    static String summary(Prepared p, List<Trial> trials) {
        Map<Landed, Integer> landed = new EnumMap<>(Landed.class);
        Map<CommitWatch.Phase, Integer> phases = new EnumMap<>(CommitWatch.Phase.class);
        int before = 0;
        int after = 0;
        int pending = 0;
        int failed = 0;
        for (Trial t : trials) {
            landed.merge(t.landed(), 1, Integer::sum);
            if (t.landed() == Landed.IN_COMMAND) {
                phases.merge(t.phase(), 1, Integer::sum);
            }
            if (t.failure() != null) {
                failed++;
            } else if (t.after()) {
                after++;
            } else {
                before++;
            }
            pending += t.logPending() ? 1 : 0;
        }
        return String.format(Locale.ROOT, "%-22s %5d | %6d %6d | %6d %6d %6d %6d | %6d %6d %7d | %6d | %7.0f %7.0f"
                + " %9.3f %9.3f", p.scenario().name(), trials.size(), landed.getOrDefault(Landed.AFTER_EXIT, 0),
                landed.getOrDefault(Landed.START_UP, 0), phases.getOrDefault(CommitWatch.Phase.NONE, 0),
                phases.getOrDefault(CommitWatch.Phase.LOG, 0), phases.getOrDefault(CommitWatch.Phase.COMMITTED, 0),
                phases.getOrDefault(CommitWatch.Phase.HOME, 0), before, after, pending, failed, p.lockNanos() / 1e6,
                p.heldNanos() / 1e6, p.commitNanos() / 1e6, p.checkpointNanos() / 1e6);
    }
}
