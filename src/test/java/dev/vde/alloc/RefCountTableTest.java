package dev.vde.alloc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.btree.BTree;
import dev.vde.btree.MemNodeStore;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CorruptImageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The ref-count table against a plain per-block model, through splits, merges and reopens. */
class RefCountTableTest {
    private static final int BLOCKS = 400;

    /** Blocks freed by the table in these tests stay free until a test says otherwise. */
    private final java.util.Set<Long> free = new java.util.HashSet<>();

    private RefCountTable table(MemNodeStore store, long root, int height) {
        return new RefCountTable(new BTree(new NodeCodec(NodeLayout.REFCOUNTS, 512), store, 0, root, height), store,
                (start, length) -> java.util.stream.LongStream.range(start, start + length).filter(free::contains)
                        .findFirst().orElse(-1));
    }

    private RefCountTable reopen(MemNodeStore store, RefCountTable t) {
        return table(store, t.tree().root(), t.tree().height());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomIncrementsAndDecrementsMatchAModel(long seed) {
        System.out.println("RefCountTableTest seed=" + seed);
        Random rnd = new Random(seed);
        MemNodeStore store = new MemNodeStore();
        RefCountTable t = table(store, 0, 0);
        long[] model = new long[BLOCKS];
        java.util.Arrays.fill(model, 1);
        int maxHeight = 0;
        for (int step = 0; step < 3000; step++) {
            int start = rnd.nextInt(BLOCKS);
            int len = 1 + rnd.nextInt(Math.min(40, BLOCKS - start));
            boolean allocated = true;
            for (int b = start; b < start + len; b++) {
                allocated &= model[b] > 0;
            }
            if (!allocated) {
                continue;
            }
            if (rnd.nextInt(10) < 6) {
                t.increment(start, len);
                for (int b = start; b < start + len; b++) {
                    model[b]++;
                }
            } else {
                List<Run> freed = t.decrement(start, len);
                List<Long> expectFreed = new ArrayList<>();
                for (int b = start; b < start + len; b++) {
                    if (--model[b] == 0) {
                        expectFreed.add((long) b);
                    }
                }
                List<Long> gotFreed = new ArrayList<>();
                freed.forEach(r -> {
                    for (long b = r.start(); b < r.end(); b++) {
                        gotFreed.add(b);
                    }
                });
                assertThat(gotFreed).as("seed %d step %d: blocks whose count reached 0", seed, step)
                        .isEqualTo(expectFreed);
                // Freed blocks are allocated again later, each with count 1.
                for (long b : expectFreed) {
                    model[(int) b] = 1;
                }
            }
            if (step % 97 == 0) {
                t = reopen(store, t);
            }
            maxHeight = Math.max(maxHeight, t.tree().height());
            for (int b = step % 10 == 0 ? 0 : BLOCKS; b < BLOCKS; b++) {
                assertThat(t.count(b)).as("seed %d step %d block %d", seed, step, b).isEqualTo(model[b]);
            }
            long prevEnd = -1;
            long prevCount = -1;
            for (long[] e : t.entries()) {
                assertThat(e[2]).as("only counts above 1 are stored").isGreaterThan(1);
                assertThat(e[0]).as("entries do not overlap").isGreaterThanOrEqualTo(prevEnd);
                assertThat(e[0] == prevEnd && e[2] == prevCount).as("equal neighbours merge").isFalse();
                prevEnd = e[0] + e[1];
                prevCount = e[2];
            }
        }
        assertThat(maxHeight).as("the table grew into a tree").isGreaterThanOrEqualTo(2);
    }

    /**
     * DESIGN section 6, item 1: counts keyed by extent start lost the count of the "after" piece
     * of a split shared extent. Here counts are per block: every piece keeps its count.
     */
    @Test
    void piecesOfASplitSharedRunKeepTheirCounts() {
        RefCountTable t = table(new MemNodeStore(), 0, 0);
        t.increment(100, 10); // a snapshot shares blocks 100..109
        List<Run> freed = t.decrement(103, 3); // the live file overwrites 103..105
        assertThat(freed).isEmpty();
        for (long b = 100; b < 110; b++) {
            assertThat(t.count(b)).as("block %d", b).isEqualTo(b >= 103 && b < 106 ? 1 : 2);
        }
        assertThat(t.decrement(106, 4)).as("the after piece is still shared").isEmpty();
        assertThat(t.decrement(106, 4)).containsExactly(new Run(106, 4));
    }

    /**
     * DESIGN section 6, item 2: a count that reached 0 and was stored as "not stored" came back
     * as 1 after a reload. Here a count of 0 is never stored: the run is returned to be freed,
     * and the table holds nothing for it, so a reused block starts again at 1.
     */
    @Test
    void aCountThatReachesZeroLeavesNoEntryBehind() {
        MemNodeStore store = new MemNodeStore();
        RefCountTable t = table(store, 0, 0);
        t.increment(50, 5);
        assertThat(t.decrement(50, 5)).isEmpty();
        assertThat(t.decrement(50, 5)).containsExactly(new Run(50, 5));
        assertThat(t.entries()).isEmpty();
        t = reopen(store, t);
        assertThat(t.entries()).isEmpty();
        assertThat(t.count(52)).as("reallocated: count 1").isEqualTo(1);
        t.increment(52, 1);
        assertThat(t.count(52)).isEqualTo(2);
    }

    @Test
    void losingAReferenceOnAFreeBlockIsADoubleFree() {
        RefCountTable t = table(new MemNodeStore(), 0, 0);
        assertThat(t.decrement(10, 1)).containsExactly(new Run(10, 1));
        free.add(10L);
        assertThatThrownBy(() -> t.decrement(9, 3)).isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("double free");
        assertThat(t.entries()).as("a refused decrement changes nothing").isEmpty();
    }

    /**
     * The bulk merge used by snapshot create, delete and rollback gives exactly the counts that
     * one adjustment per run would, rebuilds a valid tree, and reports the blocks reaching 0.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void bulkChangesMatchTheModel(long seed) {
        System.out.println("RefCountTableTest bulk seed=" + seed);
        Random rnd = new Random(seed);
        MemNodeStore store = new MemNodeStore();
        RefCountTable t = table(store, 0, 0);
        long[] model = new long[BLOCKS];
        java.util.Arrays.fill(model, 1);
        for (int step = 0; step < 300; step++) {
            // a batch of sorted, disjoint runs over allocated blocks, in random order
            RunList batch = new RunList();
            for (int b = rnd.nextInt(5); b < BLOCKS; b += 1 + rnd.nextInt(12)) {
                int len = 1 + rnd.nextInt(Math.min(8, BLOCKS - b));
                boolean ok = true;
                for (int x = b; x < b + len; x++) {
                    ok &= model[x] > 0;
                }
                if (ok && rnd.nextInt(3) > 0) {
                    batch.add(b, len);
                }
                b += len;
            }
            RunList shuffled = new RunList();
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, rnd);
            for (int i : order) {
                shuffled.add(batch.start(i), batch.length(i));
            }
            int delta = rnd.nextInt(10) < 6 ? 1 : -1;
            RunList freed = t.applyBulk(shuffled.sortDisjoint(), delta);
            List<Long> expectFreed = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                for (long b = batch.start(i); b < batch.end(i); b++) {
                    model[(int) b] += delta;
                    if (model[(int) b] == 0) {
                        expectFreed.add(b);
                    }
                }
            }
            expectFreed.sort(null);
            List<Long> gotFreed = new ArrayList<>();
            for (int i = 0; i < freed.size(); i++) {
                for (long b = freed.start(i); b < freed.end(i); b++) {
                    gotFreed.add(b);
                }
            }
            assertThat(gotFreed).as("seed %d step %d", seed, step).isEqualTo(expectFreed);
            for (long b : expectFreed) {
                model[(int) b] = 1;
            }
            if (rnd.nextBoolean()) {
                t = reopen(store, t);
            }
            dev.vde.btree.TreeInvariants.check(t.tree(), store);
            for (int b = 0; b < BLOCKS; b++) {
                assertThat(t.count(b)).as("seed %d step %d block %d", seed, step, b).isEqualTo(model[b]);
            }
            assertThat(store.liveCount()).as("old nodes are freed when the tree is rebuilt")
                    .isEqualTo(countNodes(t));
        }
    }

    private static int countNodes(RefCountTable t) {
        int[] n = {0};
        t.tree().forEachNode(x -> n[0]++);
        return n[0];
    }
}
