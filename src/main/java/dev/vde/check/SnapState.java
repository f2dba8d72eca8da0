package dev.vde.check;

import dev.vde.snapshot.SnapshotRecord;
import java.util.ArrayList;
import java.util.List;

/** What the check concluded about one snapshot, for the report and for repair. */
final class SnapState {
    enum Verdict {
        /** Sound: repair keeps its file table and trees as they are. */
        OK,
        /** Its content is intact but some of its metadata breaks a rule: repair writes it anew. */
        REWRITE,
        /** Its content cannot be trusted whole (unreadable, ambiguous, or its identity is damaged). */
        DROP
    }

    final SnapshotRecord record;
    /** The list page that holds its record. */
    final long listPage;
    /** Its data domain in {@link UsedBlocks}: its position in the list, from 1. */
    final int domain;
    /** "snapshot 'NAME'", as findings name it. */
    final String label;
    /** Owner id of its file-table pages. */
    final int pagesOwner;
    /** Its file-table pages in chain order. */
    final List<Long> pages = new ArrayList<>();
    final List<FileState> files = new ArrayList<>();
    Verdict verdict = Verdict.OK;
    String dropReason;

    SnapState(SnapshotRecord record, long listPage, int domain, int pagesOwner) {
        this.record = record;
        this.listPage = listPage;
        this.domain = domain;
        this.label = "snapshot '" + record.name + "'";
        this.pagesOwner = pagesOwner;
    }

    void drop(String why) {
        if (verdict != Verdict.DROP) {
            verdict = Verdict.DROP;
            dropReason = why;
        }
    }

    void rewrite() {
        if (verdict == Verdict.OK) {
            verdict = Verdict.REWRITE;
        }
    }

    /** Extent-tree nodes and file-table pages: what its record's metaBlocks counts. */
    long metaBlocks() {
        long n = pages.size();
        for (FileState f : files) {
            n += f.nodes;
        }
        return n;
    }
}
