package dev.vde.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vde.inode.NameIndex;
import dev.vde.io.MemoryDevice;
import dev.vde.testutil.Space;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * mv --force over an existing name while the name index shrinks. The replaced file was once
 * removed through a second copy of the index, whose stale root was then saved: the index ended
 * up in freed blocks and every name was lost at the next write.
 */
class RenameOverExistingTest {

    private static void write(Image img, String name, byte[] data) throws Exception {
        img.write(name, 0, false, Channels.newChannel(new ByteArrayInputStream(data)));
    }

    @Test
    void replacingAFileWhileTheIndexCollapsesKeepsEveryName() throws Exception {
        MemoryDevice dev = new MemoryDevice(512, 8192);
        Image.format(dev, 200);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            names.add("file" + i);
        }
        // In hash order the 30th insert splits the root leaf (29 entries at 512 bytes) 15/15.
        names.sort(Comparator.comparingLong(NameIndex::hash));
        List<String> left = new ArrayList<>(names.subList(0, 15));
        List<String> right = new ArrayList<>(names.subList(15, 30));
        TreeSet<String> model = new TreeSet<>();
        try (Image img = Image.open(dev, true)) {
            for (String n : names) {
                write(img, n, n.getBytes());
            }
            // Down to the minimum fill (11 + 11): one more removal merges the two leaves.
            for (int i = 0; i < 4; i++) {
                img.remove(left.remove(left.size() - 1));
                img.remove(right.remove(right.size() - 1));
            }
            model.addAll(left);
            model.addAll(right);
            img.rename(left.get(0), right.get(0), true);
            model.remove(left.get(0));
            assertThat(Space.check(img)).isNull();
        }
        try (Image img = Image.open(dev, true)) {
            for (int i = 100; i < 110; i++) {
                write(img, "new" + i, new byte[] {1});
                model.add("new" + i);
            }
            assertThat(img.list()).extracting(FileInfo::name).containsExactlyElementsOf(model);
            for (String n : model) {
                assertThat(img.stat(n).name()).isEqualTo(n);
            }
            assertThat(Space.check(img)).isNull();
        }
    }
}
