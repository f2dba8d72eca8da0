package dev.vde.image;

/** What {@code ls} shows of a file. */
public record FileInfo(String name, long inode, long size, long extents, long blocks, long modifyTxid,
        long mtimeMillis) {
}
