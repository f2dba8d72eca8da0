package dev.vde.format;

/**
 * The last 16 bytes of every metadata block.
 *
 * <pre>
 * offset  size  field
 * +0      4     tag         four ASCII letters in reading order ({@link Tag})
 * +4      4     generation  u32 LE, low 32 bits of the txid that wrote the block
 * +8      8     checksum    XXH64 (seed 0) of the block's bytes [0, blockSize - 8), LE
 * </pre>
 */
public final class BlockTrailer {
    public static final int SIZE = 16;

    private BlockTrailer() {
    }

    /** Writes tag, generation and checksum into the last 16 bytes of {@code block}. */
    public static void seal(byte[] block, Tag tag, long txid) {
        int t = block.length - SIZE;
        LE.be32(block, t, tag.value());
        LE.i32(block, t + 4, (int) txid);
        LE.i64(block, t + 8, Checksums.xx(block, 0, block.length - 8));
    }

    /** True if the block carries {@code tag} and a matching checksum. */
    public static boolean isValid(byte[] block, Tag tag) {
        int t = block.length - SIZE;
        return LE.be32(block, t) == tag.value() && LE.i64(block, t + 8) == Checksums.xx(block, 0, block.length - 8);
    }

    /**
     * Verifies tag and checksum.
     *
     * @throws CorruptImageException naming the block, what was expected and what was found
     */
    public static void verify(byte[] block, long blockNo, Tag tag) {
        int t = block.length - SIZE;
        int found = LE.be32(block, t);
        if (found != tag.value()) {
            throw new CorruptImageException(blockNo, tag.name(),
                    "expected tag " + tag + ", found " + (allZero(block) ? "an all-zero block" : Tag.describe(found)));
        }
        long stored = LE.i64(block, t + 8);
        long actual = Checksums.xx(block, 0, block.length - 8);
        if (stored != actual) {
            throw new CorruptImageException(blockNo, tag.name(), String.format(
                    "checksum mismatch (stored %016x, computed %016x)", stored, actual));
        }
    }

    public static long generation(byte[] block) {
        return LE.u32(block, block.length - SIZE + 4);
    }

    /**
     * Verifies that a block was not written by a transaction after {@code txid}, the one the
     * superblock in use records: such a block means a newer superblock was lost, and reading it
     * with the older one would mix two states. Generations are the low 32 bits of a txid, so the
     * comparison is modular (valid while the two are less than 2^31 transactions apart).
     */
    public static void verifyNotNewer(byte[] block, long blockNo, Tag tag, long txid) {
        long gen = generation(block);
        if ((int) (gen - txid) > 0) {
            throw new CorruptImageException(blockNo, tag.name(), "written by transaction " + gen
                    + ", after the superblock's " + txid + ": a newer superblock copy is lost");
        }
    }

    public static int payload(int blockSize) {
        return blockSize - SIZE;
    }

    static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
