package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.inode.FileDigest;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Fsck;
import dev.vde.testutil.Model;
import dev.vde.testutil.Space;
import java.nio.channels.Channels;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Random writes, truncates, removes, renames and reopens against an in-memory model. */
class EngineRandomTest {

    @ParameterizedTest(name = "block size {0}, seed {1}")
    @CsvSource({"512, 1", "4096, 2", "1024, 3", "512, 4"})
    void randomOperationsMatchModel(int blockSize, long seed) throws Exception {
        Random rnd = new Random(seed);
        System.out.println("EngineRandomTest seed=" + seed + " blockSize=" + blockSize);
        MemoryDevice dev = new MemoryDevice(blockSize, 64L * 1024 * 1024 / blockSize);
        Image.format(dev, 0);
        Model model = new Model();
        Image img = Image.open(dev, true);
        // Enough names that the name index splits and merges at small block sizes (29 per leaf at 512).
        List<String> names = new ArrayList<>(List.of("ünï", "long-" + "x".repeat(200)));
        for (int i = 0; i < 60; i++) {
            names.add("f" + i);
        }
        int maxNameHeight = 0;
        for (int step = 0; step < 1500; step++) {
            String name = names.get(rnd.nextInt(names.size()));
            int op = rnd.nextInt(100);
            String what;
            if (op < 60) {
                int size = rnd.nextInt(4) == 0 ? rnd.nextInt(20_000) : rnd.nextInt(3 * blockSize);
                long offset = rnd.nextInt(3) == 0 ? rnd.nextInt(200_000) : rnd.nextInt(20_000);
                boolean trunc = rnd.nextInt(8) == 0;
                byte[] data = new byte[size];
                rnd.nextBytes(data);
                what = "write " + name + " @" + offset + " +" + size + (trunc ? " truncate" : "");
                img.write(name, offset, trunc, Channels.newChannel(new ByteArrayInputStream(data)));
                model.write(name, offset, data, trunc);
            } else if (op < 70 && model.files.containsKey(name)) {
                what = "rm " + name;
                img.remove(name);
                model.files.remove(name);
            } else if (op < 78 && model.files.containsKey(name)) {
                long size = rnd.nextInt(60_000);
                what = "truncate " + name + " " + size;
                img.truncate(name, size);
                byte[] old = model.files.get(name);
                model.files.put(name, java.util.Arrays.copyOf(old, (int) size));
            } else if (op < 85 && model.files.containsKey(name)) {
                String to = names.get(rnd.nextInt(names.size()));
                what = "mv " + name + " " + to;
                img.rename(name, to, true);
                byte[] d = model.files.remove(name);
                model.files.put(to, d);
            } else {
                what = "reopen";
                img.close();
                img = Image.open(dev, true);
            }
            String diff = model.diff(img);
            assertThat(diff).as("seed %d step %d after %s", seed, step, what).isNull();
            assertThat(Space.check(img)).as("space, seed %d step %d after %s", seed, step, what).isNull();
            assertThat(Fsck.check(dev)).as("fsck, seed %d step %d after %s", seed, step, what).isNull();
            for (var f : model.files.entrySet()) {
                assertThat(img.digest(f.getKey())).as("digest of %s, seed %d step %d after %s", f.getKey(), seed, step,
                        what).isEqualTo(FileDigest.of(f.getValue(), blockSize));
            }
            maxNameHeight = Math.max(maxNameHeight, img.superblock().nameHeight);
        }
        if (blockSize == 512) {
            assertThat(maxNameHeight).as("the name index grew past one leaf").isGreaterThanOrEqualTo(2);
        }
        img.close();
        try (Image ro = Image.open(dev, false)) {
            assertThat(model.diff(ro)).isNull();
            assertThat(Space.check(ro)).as("space after the last reopen, seed %d", seed).isNull();
        }
    }
}
