package dev.vde.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.image.Image;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --wait} in one JVM: an image held open for writing here is as busy as one held by
 * another process (the lock is per file, and a second lock from this JVM overlaps it).
 * LockContentionIT does the same across real processes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WaitOptionTest {
    @TempDir
    Path dir;

    @Test
    void badValuesAreUsageErrors() {
        String img = dir.resolve("w.vde").toString();
        CliTest.ok("format", img, "--size", "4M");
        for (String bad : new String[] {"--wait=abc", "--wait=-1", "--wait=NaN", "--wait=1e12"}) {
            CliTest.Run r = CliTest.fails(ExitCodes.USAGE, "ls", img, bad);
            assertThat(r.stderr()).contains("is not a number of seconds (or 'forever')");
        }
        CliTest.ok("ls", img, "--wait=0.2");
        CliTest.ok("ls", img, "--wait");
        CliTest.ok("ls", img, "--wait=forever");
    }

    @Test
    void aBoundedWaitRunsOutWithFiveAndAnOpenWaitLandsWhenTheHolderLetsGo() throws Exception {
        Path path = dir.resolve("held.vde");
        String img = path.toString();
        CliTest.ok("format", img, "--size", "4M");

        Image holder = Image.open(path, true);
        CliTest.Run at = CliTest.fails(ExitCodes.CONFLICT, "ls", img);
        assertThat(at.stderr()).contains("is locked by another process (--wait waits for it)");

        long t0 = System.nanoTime();
        CliTest.Run bounded = CliTest.fails(ExitCodes.CONFLICT, "ls", img, "--wait=0.3");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(300);
        assertThat(bounded.stderr()).contains("still locked by another process after 0.3 s");

        CompletableFuture<CliTest.Run> waiting = CompletableFuture.supplyAsync(
                () -> CliTest.run("write".getBytes(), "write", img, "late", "--wait"));
        Thread.sleep(400);
        assertThat(waiting).as("the waiting write is still waiting").isNotDone();
        holder.close();
        CliTest.Run landed = waiting.get(30, TimeUnit.SECONDS);
        assertThat(landed.status()).as(landed.stderr()).isZero();
        assertThat(CliTest.ok("cat", img, "late").out()).isEqualTo("write");
    }
}
