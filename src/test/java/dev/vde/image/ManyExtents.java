package dev.vde.image;

import dev.vde.alloc.Allocator;
import dev.vde.alloc.Run;
import dev.vde.format.Superblock;
import dev.vde.inode.Extent;
import dev.vde.inode.FileExtents;
import dev.vde.inode.Inode;
import dev.vde.inode.InodeTable;
import dev.vde.wal.Journal;
import dev.vde.wal.Transaction;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;

/**
 * Test fixture: a file with very many extents, built in one transaction instead of one
 * {@link Image#write} per extent. Extent {@code i} maps one newly allocated block at logical byte
 * {@code 2 i B}; the gaps keep neighbours from merging. The file's data blocks are allocated but
 * never written (they read as zeros).
 */
public final class ManyExtents {
    private ManyExtents() {
    }

    /** Creates file {@code name} in the image at {@code path} with {@code count} one-block extents. */
    public static void create(Path path, String name, int count) throws IOException {
        try (Image img = Image.open(path, true)) {
            img.write(name, 0, false, Channels.newChannel(new ByteArrayInputStream(new byte[0])));
            Transaction tx = img.view();
            FileExtents map = img.extents(name);
            int bs = tx.blockSize();
            Allocator alloc = tx.allocator();
            long i = 0;
            while (i < count) {
                Run run = alloc.allocate(-1, count - i);
                for (long b = run.start(); b < run.end(); b++, i++) {
                    map.add(new Extent(b, 1, 0, 2 * i * bs));
                }
            }
            Inode ino = map.inode();
            ino.size = (2L * count - 1) * bs;
            new InodeTable(tx).put(ino);
            Superblock sb = tx.superblock();
            tx.commit(new Journal(img.device(), sb.walStart, sb.walBlocks));
        }
    }
}
