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
    COUNTERS("counters", Severity.HARMLESS);

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
