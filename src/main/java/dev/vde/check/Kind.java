package dev.vde.check;

/** What fsck can find, each with its severity. The code is what --json reports. */
public enum Kind {
    SUPERBLOCK_COPY("superblock-copy", Severity.DAMAGE),
    SUPERBLOCK_PENDING("superblock-pending", Severity.NOTE),
    NO_SUPERBLOCK("no-superblock", Severity.DAMAGE),
    TRUNCATED("truncated", Severity.DAMAGE),
    WAL_HEADER("wal-header", Severity.HARMLESS),
    WAL_PENDING("wal-pending", Severity.NOTE),
    WAL_INTERRUPTED("wal-interrupted", Severity.NOTE),
    WAL_LOG("wal-log", Severity.DAMAGE),
    BAD_BLOCK("bad-block", Severity.DAMAGE),
    INODE("inode", Severity.DAMAGE),
    TREE("tree", Severity.DAMAGE),
    SIBLING_LINK("sibling-link", Severity.DAMAGE),
    EXTENT("extent", Severity.DAMAGE),
    EXTENT_OVERLAP("extent-overlap", Severity.DAMAGE),
    EXTENT_PAST_EOF("extent-past-eof", Severity.HARMLESS),
    FILE_COUNTERS("file-counters", Severity.HARMLESS),
    NAME_MISSING("name-missing", Severity.DAMAGE),
    NAME_DANGLING("name-dangling", Severity.DAMAGE),
    NAME_DUPLICATE("name-duplicate", Severity.DAMAGE),
    USED_TWICE("used-twice", Severity.DAMAGE),
    USED_BUT_FREE("used-but-free", Severity.DAMAGE),
    LEAKED("leaked", Severity.HARMLESS),
    COUNTERS("counters", Severity.HARMLESS),
    /** The catalog root does not decode, or its counts or id counter disagree with its list. */
    CATALOG("catalog", Severity.DAMAGE),
    /** A snapshot list or file-table page that verifies but is wrong, or a chain of the wrong length. */
    SNAPSHOT_PAGE("snapshot-page", Severity.DAMAGE),
    /** A snapshot or frozen file that is unusable or ambiguous: duplicate, out of range, beyond the inode mark. */
    SNAPSHOT("snapshot", Severity.DAMAGE),
    /** A summary field of a snapshot record (bytes, extents, blocks, digest) disagrees with its files. */
    SNAPSHOT_RECORD("snapshot-record", Severity.HARMLESS),
    /** A snapshot extent without the SharedCow flag, or a live extent with it: sharing follows the counts. */
    SHARED_COW("shared-cow", Severity.HARMLESS),
    /** A stored count below the holders of a block: a later release could free it while still mapped. */
    REFCOUNT_LOW("refcount-low", Severity.DAMAGE),
    /** A stored count above the holders of a block: it would outlive its last holder (a leak). */
    REFCOUNT_HIGH("refcount-high", Severity.HARMLESS),
    /** A ref-count entry the table cannot hold: empty, outside the data region, or overlapping another. */
    REFCOUNT_ENTRY("refcount-entry", Severity.DAMAGE),
    /** A ref-count entry that should not be stored: a count of 1, or blocks no file or snapshot maps. */
    REFCOUNT_STRAY("refcount-stray", Severity.HARMLESS);

    private final String code;
    private final Severity severity;

    Kind(String code, Severity severity) {
        this.code = code;
        this.severity = severity;
    }

    public String code() {
        return code;
    }

    public Severity severity() {
        return severity;
    }
}
