package dev.vde.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every block something references, with who references it. Held as ranges, so memory follows
 * the number of extents and nodes (the metadata), not the size of the image.
 */
final class UsedBlocks {
    /** A referenced run of blocks and its owner (an index into the owner table). */
    record Range(long start, long end, int owner) {
    }

    /** Who holds a range: a file (inode > 0) or a structure of the image. */
    record Owner(String label, long inode, String name) {
    }

    private final List<Range> ranges = new ArrayList<>();
    private final List<Owner> owners = new ArrayList<>();

    int owner(String label, long inode, String name) {
        owners.add(new Owner(label, inode, name));
        return owners.size() - 1;
    }

    Owner ownerOf(int id) {
        return owners.get(id);
    }

    void add(long start, long length, int owner) {
        if (length > 0) {
            ranges.add(new Range(start, start + length, owner));
        }
    }

    /** The ranges in block order (ties by owner). */
    List<Range> sorted() {
        ranges.sort(Comparator.comparingLong(Range::start).thenComparingInt(Range::owner));
        return ranges;
    }

    /** Ranges of one owner removed (a file that repair drops). */
    void removeOwner(int owner) {
        ranges.removeIf(r -> r.owner() == owner);
    }
}
