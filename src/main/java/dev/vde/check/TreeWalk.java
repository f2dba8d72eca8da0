package dev.vde.check;

import dev.vde.btree.Node;
import dev.vde.btree.NodeCodec;
import dev.vde.btree.NodeLayout;
import dev.vde.format.CorruptImageException;
import dev.vde.format.Superblock;
import java.util.function.Consumer;

/**
 * Walks one B+tree (a file's extent tree or the name index) without trusting it, checking every
 * rule: trailers, levels, owner, fill, key order, separators equal to the first key under each
 * child, keys inside their parent's range, and the leaf sibling chain. Unreadable subtrees are
 * reported and skipped; the walk goes on. Nodes are visited one at a time (memory: the height).
 */
final class TreeWalk {
    /** What the walk learned. */
    static final class Result {
        long nodes;
        /** Some node could not be read or decoded: entries below it are lost. */
        boolean lost;
        /** The structure breaks a rule but every entry was read: a rebuild repairs it. */
        boolean misshapen;
    }

    private final RawBlocks blocks;
    private final NodeCodec codec;
    private final Superblock sb;
    private final long owner;
    private final Findings findings;
    private final String structure;
    private final long inode;
    private final String name;
    private final UsedBlocks used;
    private final int usedOwner;
    private final Result result = new Result();
    private long prevLeaf;
    private long prevLeafNext = -1;

    TreeWalk(RawBlocks blocks, NodeLayout layout, Superblock sb, long owner, Findings findings, String structure,
            long inode, String name, UsedBlocks used, int usedOwner) {
        this.blocks = blocks;
        this.codec = new NodeCodec(layout, sb.blockSize);
        this.sb = sb;
        this.owner = owner;
        this.findings = findings;
        this.structure = structure;
        this.inode = inode;
        this.name = name;
        this.used = used;
        this.usedOwner = usedOwner;
    }

    /** Walks the tree rooted at {@code root}, giving every readable leaf entry to {@code entries} in key order. */
    Result walk(long root, int height, Consumer<long[]> entries) {
        if (height < 1 || height > NodeCodec.MAX_LEVEL + 1) {
            report(Kind.TREE, -1, "height " + height + " is out of range");
            result.lost = true;
            return result;
        }
        visit(root, height - 1, Long.MIN_VALUE, Long.MAX_VALUE, true, true, entries);
        if (!result.lost && prevLeaf != 0 && prevLeafNext != 0) {
            report(Kind.SIBLING_LINK, prevLeaf, "last leaf links to block " + prevLeafNext + " as its next sibling");
            result.misshapen = true;
        }
        return result;
    }

    private void report(Kind kind, long block, String message) {
        findings.add(new Finding(kind, block, structure, inode, name, message));
    }

    private void visit(long block, int level, long lo, long hi, boolean leftmost, boolean isRoot,
            Consumer<long[]> entries) {
        if (block < sb.dataStart || block >= sb.totalBlocks) {
            report(Kind.TREE, -1, "node pointer " + block + " is outside the data region");
            result.lost = true;
            return;
        }
        used.add(block, 1, usedOwner);
        String[] why = new String[1];
        byte[] b = blocks.readVerified(block, codec.layout().tag(), why);
        if (b == null) {
            report(Kind.BAD_BLOCK, block, why[0]);
            result.lost = true;
            return;
        }
        Node n;
        try {
            n = codec.decode(b, block, sb.dataStart, sb.totalBlocks);
        } catch (CorruptImageException e) {
            report(Kind.TREE, block, e.getMessage().replaceFirst("^block \\d+ \\([^)]*\\): ", ""));
            result.lost = true;
            return;
        }
        result.nodes++;
        if (n.level != level) {
            report(Kind.TREE, block, "level " + n.level + " where the tree needs " + level);
            result.lost = true;
            return;
        }
        if (n.owner != owner) {
            report(Kind.TREE, block, "node belongs to owner " + n.owner + ", expected " + owner);
            result.misshapen = true;
        }
        int cap = codec.capacity(level);
        int min = isRoot ? (level == 0 ? 1 : 2) : codec.layout().minFill(cap);
        if (n.count < min) {
            report(Kind.TREE, block, n.count + " entries, below the minimum of " + min);
            result.misshapen = true;
        }
        if (n.count > 0) {
            long first = n.key(0);
            boolean firstOk = leftmost && !n.isLeaf() ? first == Long.MIN_VALUE : leftmost || first == lo;
            if (!firstOk) {
                report(Kind.TREE, block, "first key " + first + " does not match its separator " + lo);
                result.misshapen = true;
            }
            if (n.key(n.count - 1) >= hi || (!leftmost && first < lo)) {
                report(Kind.TREE, block, "keys outside the range [" + lo + ", " + hi + ") of its parent");
                result.misshapen = true;
            }
        }
        if (n.isLeaf()) {
            if (n.prev != prevLeaf) {
                report(Kind.SIBLING_LINK, block, "previous sibling is " + n.prev + ", expected " + prevLeaf);
                result.misshapen = true;
            }
            if (prevLeaf != 0 && prevLeafNext != block) {
                report(Kind.SIBLING_LINK, prevLeaf, "next sibling is " + prevLeafNext + ", expected " + block);
                result.misshapen = true;
            }
            prevLeaf = block;
            prevLeafNext = n.next;
            for (int i = 0; i < n.count; i++) {
                entries.accept(n.entry(i));
            }
            return;
        }
        if (n.next != 0 || n.prev != 0) {
            report(Kind.SIBLING_LINK, block, "internal node has sibling links");
            result.misshapen = true;
        }
        for (int i = 0; i < n.count; i++) {
            long childLo = i == 0 ? lo : n.keys[i];
            long childHi = i + 1 < n.count ? n.keys[i + 1] : hi;
            visit(n.children[i], level - 1, childLo, childHi, leftmost && i == 0, false, entries);
        }
    }
}
