package dev.vde.delta;

import dev.vde.inode.Extent;
import dev.vde.inode.Inode;

/**
 * Receives the changes from one snapshot to another, in the order a replica applies them:
 * every deletion first (so that names and inode numbers are free again), then file by file in
 * inode order: creation or rename, size, holes, and the extents whose data must be shipped.
 * Files are identified by the source's inode number, which a replica keeps. Every method does
 * nothing unless overridden: a visitor takes what it needs (a counter, only the extents).
 */
public interface DiffVisitor {
    /** File {@code inode} of the base is gone (or its number now belongs to another file). */
    default void delete(long inode) {
    }

    /** A file the base does not have: {@code file} gives its inode number, name and creation txid. */
    default void create(Inode file) {
    }

    default void rename(long inode, String name) {
    }

    /** The file's size becomes {@code size} (sent for every created file, and when it changed). */
    default void size(long inode, long size) {
    }

    /** {@code [offset, offset + length)} of the file is a hole now (block-aligned). */
    default void hole(long inode, long offset, long length) {
    }

    /**
     * {@code piece} of the new snapshot's file must be shipped: its data is read from its physical
     * blocks; the receiver maps it at {@code piece.logical()} in blocks of its own.
     */
    default void extent(long inode, Extent piece) {
    }

    /** The end of one file's changes (after its last hole or extent). */
    default void fileDone(Inode file) {
    }
}
