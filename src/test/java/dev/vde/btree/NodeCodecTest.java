package dev.vde.btree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vde.format.CorruptImageException;
import dev.vde.format.LE;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Node capacities and what {@link NodeCodec#decode} refuses. */
class NodeCodecTest {
    private static final long MIN = 16;
    private static final long MAX = 1000;

    @Test
    void capacityIsBlockMinusHeaderAndTrailerOverEntrySizeForEveryPowerOfTwo() {
        for (int bs = 512; bs <= 65536; bs *= 2) {
            NodeCodec ext = new NodeCodec(NodeLayout.EXTENTS, bs);
            NodeCodec names = new NodeCodec(NodeLayout.NAMES, bs);
            assertThat(ext.capacity(0)).as("extent leaf at %d", bs).isEqualTo((bs - 48) / 24);
            assertThat(names.capacity(0)).as("name leaf at %d", bs).isEqualTo((bs - 48) / 16);
            for (int level = 1; level <= NodeCodec.MAX_LEVEL; level += 31) {
                assertThat(ext.capacity(level)).as("extent internal at %d", bs).isEqualTo((bs - 48) / 16);
                assertThat(names.capacity(level)).as("name internal at %d", bs).isEqualTo((bs - 48) / 16);
            }
            // a full node fits, including the u16 count
            for (NodeCodec c : new NodeCodec[] {ext, names}) {
                for (int level : new int[] {0, 1}) {
                    Node n = full(c, level);
                    byte[] b = new byte[bs];
                    c.encode(n, b, 7);
                    Node back = c.decode(b, 100, MIN, MAX);
                    assertThat(back.count).isEqualTo(c.capacity(level));
                    assertThat(back.key(back.count - 1)).isEqualTo(n.key(n.count - 1));
                }
            }
        }
        assertThat(new NodeCodec(NodeLayout.EXTENTS, 4096).capacity(0)).isEqualTo(168);
        assertThat(new NodeCodec(NodeLayout.EXTENTS, 4096).capacity(1)).isEqualTo(253);
        assertThat(new NodeCodec(NodeLayout.EXTENTS, 512).capacity(0)).isEqualTo(19);
        assertThat(new NodeCodec(NodeLayout.EXTENTS, 512).capacity(1)).isEqualTo(29);
        assertThat(NodeLayout.EXTENTS.minFill(19)).isEqualTo(7);
        assertThat(NodeLayout.EXTENTS.minFill(168)).isEqualTo(67);
    }

    private static Node full(NodeCodec c, int level) {
        Node n = c.newNode(level);
        n.owner = 5;
        int cap = c.capacity(level);
        for (int i = 0; i < cap; i++) {
            if (level == 0) {
                long[] e = new long[c.layout().leafWords()];
                e[c.layout().keyWord()] = i * 3L;
                n.insertLeaf(i, e);
            } else {
                n.insertChild(i, i == 0 ? Long.MIN_VALUE : i * 3L, MIN + (i % (MAX - MIN)));
            }
        }
        return n;
    }

    private static Node small(NodeCodec c, int level) {
        Node n = c.newNode(level);
        n.owner = 5;
        for (int i = 0; i < 3; i++) {
            if (level == 0) {
                long[] e = new long[c.layout().leafWords()];
                e[c.layout().keyWord()] = 10L * i;
                n.insertLeaf(i, e);
            } else {
                n.insertChild(i, 10L * i, 100 + i);
            }
        }
        if (level == 0) {
            n.next = 200;
            n.prev = 300;
        }
        return n;
    }

    private static byte[] encode(NodeCodec c, Node n) {
        byte[] b = new byte[c.blockSize()];
        c.encode(n, b, 1);
        return b;
    }

    private static void rejects(NodeCodec c, byte[] b, String messagePart) {
        assertThatThrownBy(() -> c.decode(b, 77, MIN, MAX))
                .isInstanceOf(CorruptImageException.class)
                .hasMessageContaining(messagePart)
                .satisfies(e -> assertThat(((CorruptImageException) e).block()).isEqualTo(77));
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void decodeRoundTripsValidNodes(int bs) {
        for (NodeLayout layout : new NodeLayout[] {NodeLayout.EXTENTS, NodeLayout.NAMES}) {
            NodeCodec c = new NodeCodec(layout, bs);
            for (int level : new int[] {0, 1, NodeCodec.MAX_LEVEL}) {
                Node n = small(c, level);
                Node d = c.decode(encode(c, n), 77, MIN, MAX);
                assertThat(d.level).isEqualTo(level);
                assertThat(d.count).isEqualTo(3);
                assertThat(d.owner).isEqualTo(5);
                assertThat(d.block).isEqualTo(77);
                for (int i = 0; i < 3; i++) {
                    assertThat(d.key(i)).isEqualTo(n.key(i));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void decodeRejectsBadMagic(int bs) {
        NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, bs);
        byte[] b = encode(c, small(c, 0));
        b[0] ^= 0x20;
        rejects(c, b, "bad magic");
        // a name-index node is not an extent node either
        NodeCodec names = new NodeCodec(NodeLayout.NAMES, bs);
        rejects(c, encode(names, small(names, 0)), "bad magic");
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void decodeRejectsLevelAbove32(int bs) {
        NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, bs);
        byte[] b = encode(c, small(c, 1));
        LE.u16(b, 4, NodeCodec.MAX_LEVEL + 1);
        rejects(c, b, "level 33");
        LE.u16(b, 4, 0xffff);
        rejects(c, b, "level 65535");
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void decodeRejectsCountAboveCapacity(int bs) {
        for (int level : new int[] {0, 1}) {
            NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, bs);
            byte[] b = encode(c, small(c, level));
            LE.u16(b, 6, c.capacity(level) + 1);
            rejects(c, b, "exceeds capacity");
            LE.u16(b, 6, 0xffff);
            rejects(c, b, "exceeds capacity");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void decodeRejectsKeysOutOfOrder(int bs) {
        for (NodeLayout layout : new NodeLayout[] {NodeLayout.EXTENTS, NodeLayout.NAMES}) {
            NodeCodec c = new NodeCodec(layout, bs);
            // leaf: entry 2's key (at its key word) below entry 1's
            byte[] b = encode(c, small(c, 0));
            int entry = layout.leafEntryBytes();
            LE.i64(b, NodeLayout.HEADER + 2 * entry + 8 * layout.keyWord(), 5);
            rejects(c, b, "out of order");
            // leaf: equal keys are out of order too
            b = encode(c, small(c, 0));
            LE.i64(b, NodeLayout.HEADER + 2 * entry + 8 * layout.keyWord(), 10);
            rejects(c, b, "out of order");
            // internal: key 1 above key 2
            b = encode(c, small(c, 1));
            LE.i64(b, NodeLayout.HEADER + 16, 25);
            rejects(c, b, "out of order");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 4096})
    void decodeRejectsChildPointersOutsideTheDataRegion(int bs) {
        NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, bs);
        int child1 = NodeLayout.HEADER + 16 + 8;
        for (long bad : new long[] {MAX, MAX + 1, MIN - 1, 1, -1, Long.MAX_VALUE}) {
            byte[] b = encode(c, small(c, 1));
            LE.i64(b, child1, bad);
            rejects(c, b, "outside the data region");
        }
        byte[] b = encode(c, small(c, 1));
        LE.i64(b, child1, 0);
        rejects(c, b, "block 0");
        // the bounds themselves: MIN is inside, MAX - 1 is inside
        b = encode(c, small(c, 1));
        LE.i64(b, child1, MIN);
        assertThat(c.decode(b, 77, MIN, MAX).children[1]).isEqualTo(MIN);
        LE.i64(b, child1, MAX - 1);
        assertThat(c.decode(b, 77, MIN, MAX).children[1]).isEqualTo(MAX - 1);
        // leaf sibling pointers are checked the same way (0 meaning none is fine)
        b = encode(c, small(c, 0));
        LE.i64(b, 16, MAX);
        rejects(c, b, "next sibling");
        b = encode(c, small(c, 0));
        LE.i64(b, 24, MIN - 1);
        rejects(c, b, "previous sibling");
        b = encode(c, small(c, 0));
        LE.i64(b, 16, 0);
        LE.i64(b, 24, 0);
        assertThat(c.decode(b, 77, MIN, MAX).next).isZero();
    }

    @Test
    void internalNodeWithoutChildrenIsRejected() {
        NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, 512);
        byte[] b = encode(c, small(c, 1));
        LE.u16(b, 6, 0);
        rejects(c, b, "without children");
    }

    @Test
    void storeVerifiesTheTrailerOnLoad() {
        MemNodeStore store = new MemNodeStore();
        NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, 512);
        BTree t = new BTree(c, store, 5, 0, 0);
        t.insert(new long[] {1, 2, 3});
        store.flipBit(t.root(), 40, 3);
        assertThatThrownBy(() -> t.get(3)).isInstanceOf(CorruptImageException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void encodeRefusesAnOverfullNode() {
        NodeCodec c = new NodeCodec(NodeLayout.EXTENTS, 512);
        Node n = full(c, 0);
        n.insertLeaf(n.count, new long[] {0, 0, 1_000_000});
        assertThatThrownBy(() -> c.encode(n, new byte[512], 1)).isInstanceOf(IllegalStateException.class);
    }
}
