package dev.vde.format;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Encodes the superblock (blocks 0 and 1). Little-endian; tag {@code SUPB}.
 *
 * <pre>
 * offset size field
 * +0     8    magic "VDEIMAGE"
 * +8     2    formatVersion     version that wrote the image (1)
 * +10    2    readVersion       oldest reader that may read it
 * +12    2    writeVersion      oldest writer that may modify it
 * +14    2    reserved (0)
 * +16    4    blockSize         power of two, 512..65536
 * +20    4    inodeSize         448
 * +24    8    totalBlocks
 * +32    16   uuid              (most significant long first, each big-endian)
 * +48    8    txid              last committed transaction
 * +56    8    createdMillis
 * +64    8    freeBlocks
 * +72    8    fileCount
 * +80    8    nameRoot          name-index root block, 0 when empty
 * +88    4    nameHeight        levels of the name index, 0 when empty
 * +92    4    reserved (0)
 * +96    8    inodeCount        capacity of the inode table
 * +104   8    inodeHighWater    inodes below this number have written table blocks
 * +112   8    nextInodeHint     no free inode below this number
 * +120   8    bitmapHighWater   bitmap blocks below this index have been written
 * +128   8    walStart, +136 walBlocks
 * +144   8    bitmapStart, +152 bitmapBlocks
 * +160   8    inodeStart, +168 inodeBlocks
 * +176   8    snapStart, +184 snapBlocks
 * +192   8    dataStart         first block of the data region
 * +200   8    catalogBlock      the snapshot catalog's root (= snapStart) once written; 0 before
 *                               the first snapshot: no snapshots and every count is 1
 * +208   ..   reserved (0) up to the trailer
 * -16    16   trailer (tag SUPB, generation, XXH64)
 * </pre>
 */
public final class SuperblockCodec {
    public static final byte[] MAGIC = "VDEIMAGE".getBytes(StandardCharsets.US_ASCII);
    public static final int MIN_BLOCK_SIZE = 512;
    public static final int MAX_BLOCK_SIZE = 65536;
    static final int BLOCK_SIZE_OFFSET = 16;

    private SuperblockCodec() {
    }

    public static byte[] encode(Superblock s) {
        byte[] b = new byte[s.blockSize];
        System.arraycopy(MAGIC, 0, b, 0, 8);
        LE.u16(b, 8, s.formatVersion);
        LE.u16(b, 10, s.readVersion);
        LE.u16(b, 12, s.writeVersion);
        LE.i32(b, 16, s.blockSize);
        LE.i32(b, 20, s.inodeSize);
        LE.i64(b, 24, s.totalBlocks);
        LE.be64(b, 32, s.uuid.getMostSignificantBits());
        LE.be64(b, 40, s.uuid.getLeastSignificantBits());
        LE.i64(b, 48, s.txid);
        LE.i64(b, 56, s.createdMillis);
        LE.i64(b, 64, s.freeBlocks);
        LE.i64(b, 72, s.fileCount);
        LE.i64(b, 80, s.nameRoot);
        LE.i32(b, 88, s.nameHeight);
        LE.i64(b, 96, s.inodeCount);
        LE.i64(b, 104, s.inodeHighWater);
        LE.i64(b, 112, s.nextInodeHint);
        LE.i64(b, 120, s.bitmapHighWater);
        LE.i64(b, 128, s.walStart);
        LE.i64(b, 136, s.walBlocks);
        LE.i64(b, 144, s.bitmapStart);
        LE.i64(b, 152, s.bitmapBlocks);
        LE.i64(b, 160, s.inodeStart);
        LE.i64(b, 168, s.inodeBlocks);
        LE.i64(b, 176, s.snapStart);
        LE.i64(b, 184, s.snapBlocks);
        LE.i64(b, 192, s.dataStart);
        LE.i64(b, 200, s.catalogBlock);
        BlockTrailer.seal(b, Tag.SUPB, s.txid);
        return b;
    }

    /** True if the block starts with the image magic (it may still be damaged). */
    public static boolean hasMagic(byte[] b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** The block size a superblock copy claims, or -1 when it is not a plausible one. */
    public static int claimedBlockSize(byte[] firstBytes) {
        if (firstBytes.length < BLOCK_SIZE_OFFSET + 4 || !hasMagic(firstBytes)) {
            return -1;
        }
        int bs = LE.i32(firstBytes, BLOCK_SIZE_OFFSET);
        return isValidBlockSize(bs) ? bs : -1;
    }

    public static boolean isValidBlockSize(int bs) {
        return bs >= MIN_BLOCK_SIZE && bs <= MAX_BLOCK_SIZE && Integer.bitCount(bs) == 1;
    }

    /**
     * Decodes and validates one copy.
     *
     * @throws CorruptImageException if the trailer, magic or any field is invalid
     * @throws UnsupportedFormatException if the copy is valid but needs a newer reader
     */
    public static Superblock decode(byte[] b, long blockNo) {
        if (!hasMagic(b)) {
            throw new CorruptImageException(blockNo, "superblock", "no VDEIMAGE magic");
        }
        BlockTrailer.verify(b, blockNo, Tag.SUPB);
        Superblock s = new Superblock();
        s.formatVersion = LE.u16(b, 8);
        s.readVersion = LE.u16(b, 10);
        s.writeVersion = LE.u16(b, 12);
        if (s.readVersion > Superblock.FORMAT_VERSION) {
            throw new UnsupportedFormatException("image format version " + s.formatVersion
                    + " needs a reader of version " + s.readVersion + "; this vde reads version "
                    + Superblock.FORMAT_VERSION);
        }
        s.blockSize = LE.i32(b, 16);
        s.inodeSize = LE.i32(b, 20);
        s.totalBlocks = LE.i64(b, 24);
        s.uuid = new UUID(LE.be64(b, 32), LE.be64(b, 40));
        s.txid = LE.i64(b, 48);
        s.createdMillis = LE.i64(b, 56);
        s.freeBlocks = LE.i64(b, 64);
        s.fileCount = LE.i64(b, 72);
        s.nameRoot = LE.i64(b, 80);
        s.nameHeight = LE.i32(b, 88);
        s.inodeCount = LE.i64(b, 96);
        s.inodeHighWater = LE.i64(b, 104);
        s.nextInodeHint = LE.i64(b, 112);
        s.bitmapHighWater = LE.i64(b, 120);
        s.walStart = LE.i64(b, 128);
        s.walBlocks = LE.i64(b, 136);
        s.bitmapStart = LE.i64(b, 144);
        s.bitmapBlocks = LE.i64(b, 152);
        s.inodeStart = LE.i64(b, 160);
        s.inodeBlocks = LE.i64(b, 168);
        s.snapStart = LE.i64(b, 176);
        s.snapBlocks = LE.i64(b, 184);
        s.dataStart = LE.i64(b, 192);
        s.catalogBlock = LE.i64(b, 200);
        validate(s, b.length, blockNo);
        return s;
    }

    private static void validate(Superblock s, int readSize, long blockNo) {
        String bad = null;
        if (s.blockSize != readSize) {
            bad = "block size " + s.blockSize + " but the copy was read as " + readSize + " bytes";
        } else if (s.inodeSize != InodeLayout.SIZE) {
            bad = "inode size " + s.inodeSize + ", expected " + InodeLayout.SIZE;
        } else if (s.totalBlocks < Geometry.MIN_BLOCKS || s.totalBlocks > Geometry.MAX_BYTES / s.blockSize) {
            bad = "total blocks " + s.totalBlocks + " out of range";
        } else if (s.walStart != 2 || s.walBlocks < 2 || s.bitmapStart != s.walStart + s.walBlocks
                || s.bitmapBlocks != Geometry.bitmapBlocksFor(s.totalBlocks, s.blockSize)
                || s.inodeStart != s.bitmapStart + s.bitmapBlocks || s.inodeBlocks < 1
                || s.inodeCount != s.inodeBlocks * s.inodesPerBlock()
                || s.snapStart != s.inodeStart + s.inodeBlocks || s.snapBlocks < 0
                || s.dataStart != s.snapStart + s.snapBlocks || s.dataStart >= s.totalBlocks) {
            bad = "region map is inconsistent";
        } else if (s.freeBlocks < 0 || s.freeBlocks > s.totalBlocks - s.dataStart) {
            bad = "free block count " + s.freeBlocks + " out of range";
        } else if (s.inodeHighWater < 1 || s.inodeHighWater > s.inodeCount + 1 || s.nextInodeHint < 1
                || s.nextInodeHint > s.inodeHighWater || s.fileCount < 0 || s.fileCount >= s.inodeHighWater) {
            bad = "inode counters out of range";
        } else if (s.bitmapHighWater < 1 || s.bitmapHighWater > s.bitmapBlocks) {
            bad = "bitmap high-water mark out of range";
        } else if (s.catalogBlock != 0 && (s.catalogBlock != s.snapStart || s.snapBlocks < 1)) {
            bad = "snapshot catalog block " + s.catalogBlock + " is not the start of the SNAP region";
        } else if (s.nameHeight < 0 || s.nameHeight > dev.vde.btree.NodeCodec.MAX_LEVEL + 1 || (s.nameRoot == 0) != (s.nameHeight == 0)
                || (s.nameRoot != 0 && (s.nameRoot < s.dataStart || s.nameRoot >= s.totalBlocks))) {
            bad = "name index root out of range";
        }
        if (bad != null) {
            throw new CorruptImageException(blockNo, "superblock", bad);
        }
    }
}
