package dev.vde.format;

import java.nio.charset.StandardCharsets;

/**
 * The one list of block tags. A tag is four ASCII letters stored in reading order, so that a hex
 * dump of a block shows them ({@code 45 58 54 4e} reads "EXTN").
 */
public enum Tag {
    /** Superblock (blocks 0 and 1). */
    SUPB,
    /** Write-ahead log header and descriptor blocks. */
    MWAL,
    /** Allocation bitmap block. */
    BMAP,
    /** Inode table block. */
    INOD,
    /** Extent-tree node of a file. */
    EXTN,
    /** Name-index tree node. */
    NIDX,
    /** Ref-count tree node: counts above 1 by ranges of physical blocks. */
    RCNT,
    /** Snapshot catalog root: the first block of the SNAP region. */
    SNAP,
    /** Snapshot list page: the catalog's snapshot records. */
    SLST,
    /** Snapshot file-table page: the frozen inodes of one snapshot. */
    SFIL;

    private final int value;

    Tag() {
        byte[] b = name().getBytes(StandardCharsets.US_ASCII);
        value = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** The tag as a big-endian int: the byte order in which it is stored. */
    public int value() {
        return value;
    }

    /** The tag with this stored value, or null. */
    public static Tag of(int value) {
        for (Tag t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        return null;
    }

    /** Renders any four stored bytes readably, for error messages about unknown tags. */
    public static String describe(int value) {
        StringBuilder sb = new StringBuilder(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = (value >>> shift) & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        return sb.toString();
    }
}
