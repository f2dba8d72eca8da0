package dev.vde.inode;

import dev.vde.btree.NodeCodec;
import dev.vde.format.CorruptImageException;
import dev.vde.format.InodeLayout;
import dev.vde.format.LE;
import dev.vde.format.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One inode record of 448 bytes; an inode-table block (tag {@code INOD}) holds
 * {@code (blockSize - 16) / 448} of them from offset 0, inode {@code n} in block
 * {@code inodeStart + (n - 1) / perBlock} at slot {@code (n - 1) % perBlock}. A free record is all
 * zeros.
 *
 * <pre>
 * offset size field
 * +0     2    flags            bit 0: in use; bit 1: the digest fields are valid (FileDigest)
 * +2     2    nameLength       1..255 bytes of UTF-8
 * +4     2    inlineCount      0..4 extents stored inline
 * +6     2    treeHeight       levels of the extent tree, 0 when inline
 * +8     8    inode            its own number (checked on read)
 * +16    8    size             bytes
 * +24    8    treeRoot         root block of the extent tree, 0 when inline
 * +32    8    extentCount      extents in the file
 * +40    8    allocatedBlocks  data blocks mapped by the extents
 * +48    8    createTxid
 * +56    8    modifyTxid       txid of the last change to data or size
 * +64    8    mtimeMillis
 * +72    8    digestA          content digest, lane A (valid if flags bit 1 is set)
 * +80    96   inline extents   4 x 24 bytes (see Extent)
 * +176   255  name
 * +431   1    reserved (0)
 * +432   8    digestB          content digest, lane B
 * +440   8    reserved (0)
 * </pre>
 */
public final class InodeCodec {
    public static final int FLAG_USED = 1;
    public static final int FLAG_DIGEST = 2;
    public static final long MAX_FILE_SIZE = 1L << 62;
    private static final int NAME = 176;
    private static final int INLINE = 80;

    private InodeCodec() {
    }

    public static void encode(Inode ino, byte[] block, int off) {
        Arrays.fill(block, off, off + InodeLayout.SIZE, (byte) 0);
        byte[] name = ino.name.getBytes(StandardCharsets.UTF_8);
        LE.u16(block, off, FLAG_USED | (ino.digest != null ? FLAG_DIGEST : 0));
        LE.u16(block, off + 2, name.length);
        LE.u16(block, off + 4, ino.inline.size());
        LE.u16(block, off + 6, ino.treeHeight);
        LE.i64(block, off + 8, ino.number);
        LE.i64(block, off + 16, ino.size);
        LE.i64(block, off + 24, ino.treeRoot);
        LE.i64(block, off + 32, ino.extentCount);
        LE.i64(block, off + 40, ino.allocatedBlocks);
        LE.i64(block, off + 48, ino.createTxid);
        LE.i64(block, off + 56, ino.modifyTxid);
        LE.i64(block, off + 64, ino.mtimeMillis);
        if (ino.digest != null) {
            LE.i64(block, off + 72, ino.digest.a());
            LE.i64(block, off + 432, ino.digest.b());
        }
        int e = off + INLINE;
        for (Extent x : ino.inline) {
            LE.i64(block, e, x.start());
            LE.i32(block, e + 8, x.count());
            LE.i32(block, e + 12, x.flags());
            LE.i64(block, e + 16, x.logical());
            e += 24;
        }
        System.arraycopy(name, 0, block, off + NAME, name.length);
    }

    public static void clear(byte[] block, int off) {
        Arrays.fill(block, off, off + InodeLayout.SIZE, (byte) 0);
    }

    /** Decodes the record of inode {@code number}; null if it is free. */
    public static Inode decode(byte[] block, int off, long number, long blockNo) {
        int flags = LE.u16(block, off);
        if (flags == 0) {
            return null;
        }
        String where = "inode " + number;
        if ((flags & ~(FLAG_USED | FLAG_DIGEST)) != 0 || (flags & FLAG_USED) == 0) {
            throw new CorruptImageException(blockNo, where, "unknown flags " + flags);
        }
        int nameLength = LE.u16(block, off + 2);
        int inline = LE.u16(block, off + 4);
        Inode ino = new Inode();
        ino.treeHeight = LE.u16(block, off + 6);
        ino.number = LE.i64(block, off + 8);
        ino.size = LE.i64(block, off + 16);
        ino.treeRoot = LE.i64(block, off + 24);
        ino.extentCount = LE.i64(block, off + 32);
        ino.allocatedBlocks = LE.i64(block, off + 40);
        ino.createTxid = LE.i64(block, off + 48);
        ino.modifyTxid = LE.i64(block, off + 56);
        ino.mtimeMillis = LE.i64(block, off + 64);
        if ((flags & FLAG_DIGEST) != 0) {
            ino.digest = new FileDigest(LE.i64(block, off + 72), LE.i64(block, off + 432));
        }
        if (ino.number != number) {
            throw new CorruptImageException(blockNo, where, "record says inode " + ino.number);
        }
        if (nameLength < 1 || nameLength > InodeLayout.MAX_NAME_BYTES) {
            throw new CorruptImageException(blockNo, where, "name length " + nameLength);
        }
        if (inline > InodeLayout.INLINE_EXTENTS || (ino.treeRoot == 0) != (ino.treeHeight == 0)
                || (ino.treeRoot != 0 && inline != 0) || ino.treeHeight > NodeCodec.MAX_LEVEL + 1) {
            throw new CorruptImageException(blockNo, where, "inconsistent extent map (inline " + inline
                    + ", tree root " + ino.treeRoot + ", height " + ino.treeHeight + ")");
        }
        if (ino.size < 0 || ino.size > MAX_FILE_SIZE || ino.extentCount < inline || ino.allocatedBlocks < 0
                || (ino.treeRoot == 0 && ino.extentCount != inline)) {
            throw new CorruptImageException(blockNo, where, "size or counters out of range");
        }
        int e = off + INLINE;
        for (int i = 0; i < inline; i++, e += 24) {
            ino.inline.add(new Extent(LE.i64(block, e), LE.i32(block, e + 8), LE.i32(block, e + 12),
                    LE.i64(block, e + 16)));
        }
        ino.name = Utf8.decode(block, off + NAME, nameLength, blockNo, where);
        return ino;
    }
}
