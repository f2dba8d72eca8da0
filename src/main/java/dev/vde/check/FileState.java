package dev.vde.check;

import dev.vde.inode.Inode;

/** What the check concluded about one file, for the report and for repair. */
final class FileState {
    enum Verdict {
        /** Sound. */
        OK,
        /** Every extent was read, but the tree breaks a rule (fill, separators, siblings): rebuild it. */
        REBUILD,
        /** Some extents cannot be read or are invalid: the file cannot be saved. */
        LOST
    }

    final Inode inode;
    /** Owner id of the file's data blocks. */
    final int owner;
    /** Owner id of its extent-tree nodes (freed and rebuilt apart from the data). */
    final int treeOwner;
    Verdict verdict = Verdict.OK;
    boolean hasExtentPastEof;
    boolean countersWrong;
    /** Replaced by another file of the same name. */
    boolean dropped;
    /** Physical ranges [start, end) of its data that another holder had first: repair copies them. */
    final java.util.List<long[]> cloneRanges = new java.util.ArrayList<>();

    FileState(Inode inode, int owner, int treeOwner) {
        this.inode = inode;
        this.owner = owner;
        this.treeOwner = treeOwner;
    }

    void worsen(Verdict v) {
        if (v.ordinal() > verdict.ordinal()) {
            verdict = v;
        }
    }
}
