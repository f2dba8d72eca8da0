package dev.vde.format;

/**
 * The image (or a stream) fails validation: a checksum, a tag, a count or a pointer is not what
 * the format allows. The message names the block and the structure.
 */
public class CorruptImageException extends RuntimeException {
    private final long block;
    private final String structure;

    public CorruptImageException(long block, String structure, String detail) {
        super((block >= 0 ? "block " + block + " (" + structure + "): " : structure + ": ") + detail);
        this.block = block;
        this.structure = structure;
    }

    public CorruptImageException(String message) {
        super(message);
        this.block = -1;
        this.structure = "";
    }

    /** The block at fault, or -1 when the problem is not in one block. */
    public long block() {
        return block;
    }

    public String structure() {
        return structure;
    }
}
