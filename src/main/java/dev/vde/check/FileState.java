package dev.vde.check;

import dev.vde.inode.Inode;
import java.util.ArrayList;
import java.util.List;

/** What the check concluded about one file, live or frozen in a snapshot, for the report and for repair. */
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
    /** The snapshot that froze it, null for a live file. */
    final SnapState snapshot;
    /** The block that holds its record: an inode-table block, or a snapshot file-table page. */
    final long recordBlock;
    Verdict verdict = Verdict.OK;
    boolean hasExtentPastEof;
    boolean countersWrong;
    /** Some extent's SharedCow flag does not say whether it belongs to a snapshot. */
    boolean sharedCowWrong;
    /** Replaced by another file of the same name. */
    boolean dropped;
    /** Extent-tree nodes the walk read. */
    long nodes;
    /** Extents and data blocks its map holds, as counted (the inode's counters may be wrong). */
    long extents;
    long blocks;
    /** Physical ranges [start, end) of its data that another holder had first: repair copies them. */
    final List<long[]> cloneRanges = new ArrayList<>();

    FileState(Inode inode, int owner, int treeOwner, SnapState snapshot, long recordBlock) {
        this.inode = inode;
        this.owner = owner;
        this.treeOwner = treeOwner;
        this.snapshot = snapshot;
        this.recordBlock = recordBlock;
    }

    void worsen(Verdict v) {
        if (v.ordinal() > verdict.ordinal()) {
            verdict = v;
        }
    }

    /** Whether repair must write the file's extent map anew. */
    boolean needsRewrite() {
        return verdict == Verdict.REBUILD || countersWrong || hasExtentPastEof || sharedCowWrong
                || !cloneRanges.isEmpty();
    }

    /** Prefix of the structures it is reported in: "" for a live file, "snapshot 'NAME' " for a frozen one. */
    String where() {
        return snapshot == null ? "" : snapshot.label + " ";
    }
}
