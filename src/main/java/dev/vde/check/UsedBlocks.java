package dev.vde.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every block something references, with who references it. Held as ranges, so memory follows
 * the number of extents and nodes (the metadata), not the size of the image.
 *
 * <p>Runs are kept by domain: the metadata (fixed regions, tree nodes, catalog pages), which
 * shares a block with nothing; the live files' data; and each snapshot's data. Data may be shared
 * between domains (that is what a snapshot is), never within one.
 */
final class UsedBlocks {
    static final int METADATA = -1;
    static final int LIVE = 0;

    /**
     * Who holds a range: a file (inode > 0) or a structure of the image.
     *
     * @param snapshot the snapshot's name, null for the live state and the image's own structures
     * @param domain   {@link #METADATA}, {@link #LIVE}, or the snapshot's position in the list (1, 2, ...)
     */
    record Owner(String label, long inode, String name, String snapshot, int domain) {
        boolean isData() {
            return domain != METADATA;
        }
    }

    @FunctionalInterface
    interface RangeVisitor {
        void visit(long start, long end, int owner);
    }

    private final List<Owner> owners = new ArrayList<>();
    private final Map<Integer, Runs> byDomain = new LinkedHashMap<>();

    /** A metadata owner: a structure whose blocks nothing else may hold. */
    int owner(String label, long inode, String name) {
        return owner(label, inode, name, null, METADATA);
    }

    int owner(String label, long inode, String name, String snapshot, int domain) {
        owners.add(new Owner(label, inode, name, snapshot, domain));
        return owners.size() - 1;
    }

    Owner ownerOf(int id) {
        return owners.get(id);
    }

    void add(long start, long length, int owner) {
        if (length > 0) {
            byDomain.computeIfAbsent(owners.get(owner).domain(), d -> new Runs()).add(start, start + length, owner);
        }
    }

    /** The domains that hold ranges, metadata included. */
    Map<Integer, Runs> domains() {
        return byDomain;
    }

    void forEach(RangeVisitor v) {
        for (Runs r : byDomain.values()) {
            for (int i = 0; i < r.size(); i++) {
                v.visit(r.from(i), r.to(i), r.owner(i));
            }
        }
    }
}
