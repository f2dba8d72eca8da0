package dev.vde.btree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Trees built bottom-up obey every rule of trees built by inserts (fill, separators, leftmost
 * keys, sibling chain), hold exactly what was added, and keep working under inserts and removes.
 */
class BTreeBuilderTest {
    @ParameterizedTest(name = "block size {0}")
    @ValueSource(ints = {512, 4096})
    void everySizeBuildsAValidTree(int bs) {
        NodeCodec codec = new NodeCodec(NodeLayout.EXTENTS, bs);
        int leaf = codec.capacity(0);
        int internal = codec.capacity(1);
        List<Integer> sizes = new ArrayList<>(List.of(0, 1, 2, leaf - 1, leaf, leaf + 1, leaf + 2, 2 * leaf,
                2 * leaf + 1, leaf * internal, leaf * internal + 1, leaf * internal + leaf / 3));
        if (bs == 512) {
            sizes.add(leaf * internal * internal + 5); // height 4
        }
        for (int n : sizes) {
            MemNodeStore store = new MemNodeStore();
            BTreeBuilder b = new BTreeBuilder(codec, store, 7);
            for (long i = 0; i < n; i++) {
                b.add(new long[] {1000 + i, 1, i * 3});
            }
            BTree t = b.finish();
            assertThat(b.count()).isEqualTo(n);
            assertThat(store.liveCount()).as("n=%d: every node allocated is in the tree", n).isEqualTo((int) b.nodes());
            TreeInvariants.Shape shape = TreeInvariants.check(t, store);
            assertThat(shape.entries()).isEqualTo(n);
            long i = 0;
            for (BTree.Cursor c = t.first(); c.valid(); c.next(), i++) {
                assertThat(c.entry()).containsExactly(1000 + i, 1, i * 3);
            }
            assertThat(i).isEqualTo(n);
            if (n > 0) {
                assertThat(t.floor(n * 3L)[2]).isEqualTo((n - 1) * 3L);
            }
        }
    }

    @Test
    void builtTreesKeepWorkingUnderRandomChanges() {
        NodeCodec codec = new NodeCodec(NodeLayout.EXTENTS, 512);
        Random rnd = new Random(20261122);
        MemNodeStore store = new MemNodeStore();
        BTreeBuilder b = new BTreeBuilder(codec, store, 3);
        TreeMap<Long, Long> model = new TreeMap<>();
        for (long k = 0; k < 5000; k++) {
            long key = k * 10;
            b.add(new long[] {key + 1, 1, key});
            model.put(key, key + 1);
        }
        BTree t = b.finish();
        for (int step = 0; step < 20000; step++) {
            long key = rnd.nextInt(60000);
            if (model.containsKey(key)) {
                assertThat(t.remove(key)).isTrue();
                model.remove(key);
            } else {
                t.insert(new long[] {key + 1, 1, key});
                model.put(key, key + 1);
            }
            if (step % 2000 == 0) {
                TreeInvariants.check(t, store);
            }
        }
        assertThat(TreeInvariants.check(t, store).entries()).isEqualTo(model.size());
        for (var e : model.entrySet()) {
            assertThat(t.get(e.getKey())[0]).isEqualTo(e.getValue());
        }
    }

    @Test
    void keysMustIncrease() {
        BTreeBuilder b = new BTreeBuilder(new NodeCodec(NodeLayout.EXTENTS, 512), new MemNodeStore(), 1);
        b.add(new long[] {1, 1, 5});
        assertThatThrownBy(() -> b.add(new long[] {1, 1, 5})).isInstanceOf(IllegalArgumentException.class);
    }
}
