package dev.vde.image;

import dev.vde.error.NotFoundException;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeTable;
import dev.vde.inode.NameIndex;
import dev.vde.snapshot.Catalog;
import dev.vde.wal.Transaction;

/**
 * The files of one transaction: its one inode table and one name index. There must be exactly
 * one of each per transaction: a second name index would keep its own copy of the tree's root,
 * and saving that stale root after the first one reshaped the tree would leave the index in
 * freed blocks.
 */
final class Namespace {
    final Transaction tx;
    final InodeTable inodes;
    final NameIndex names;
    final Catalog catalog;

    Namespace(Transaction tx) {
        this.tx = tx;
        this.inodes = new InodeTable(tx);
        this.names = new NameIndex(tx, inodes);
        this.catalog = new Catalog(tx);
    }

    /** The file called {@code name}, or null. */
    Inode lookup(String name) {
        return names.lookup(Names.validate(name));
    }

    /** @throws NotFoundException if there is no such file */
    Inode find(String name) {
        Inode ino = lookup(name);
        if (ino == null) {
            throw new NotFoundException("no file named '" + name + "'");
        }
        return ino;
    }

    /** A new, empty file, stored and indexed. */
    Inode create(String name) {
        Inode ino = inodes.allocate(name);
        inodes.put(ino);
        names.insert(name, ino.number);
        tx.superblock().fileCount++;
        return ino;
    }

    /** Deletes a file: its references to blocks (blocks no snapshot holds are freed), tree, index entry and inode. */
    void remove(Inode ino) {
        new FileExtents(tx, ino).freeAll();
        names.remove(ino.name, ino.number);
        inodes.free(ino.number);
        tx.superblock().fileCount--;
    }

    void rename(Inode ino, String to) {
        names.remove(ino.name, ino.number);
        ino.name = to;
        inodes.put(ino);
        names.insert(to, ino.number);
    }
}
