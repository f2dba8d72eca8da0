package dev.vde.io;

/**
 * How far a long operation has come, in the units it counts (bytes, files, extents). The engine
 * reports; the command line draws. Calls come from the operation's own thread and are cheap: an
 * implementation must not block or throw.
 */
public interface Progress {
    /** Reports nothing. */
    Progress NONE = units -> { };

    /**
     * The operation will take {@code units} in all. May be called again when more becomes known
     * (fsck learns of the snapshots' files after the live ones); never called: the total is unknown.
     */
    default void total(long units) {
    }

    /** {@code units} more are done. */
    void advance(long units);
}
