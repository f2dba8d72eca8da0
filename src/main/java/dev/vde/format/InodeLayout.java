package dev.vde.format;

/** Fixed sizes of the inode record (see {@code InodeCodec}). */
public final class InodeLayout {
    public static final int SIZE = 448;
    public static final int INLINE_EXTENTS = 4;
    public static final int MAX_NAME_BYTES = 255;

    private InodeLayout() {
    }
}
