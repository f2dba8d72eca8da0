package dev.vde.check;

import dev.vde.format.BlockTrailer;
import dev.vde.format.CorruptImageException;
import dev.vde.format.Tag;
import dev.vde.io.BlockDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Reads blocks for the checker without trusting them: a block that fails its trailer is
 * reported by the caller instead of stopping the walk. A committed log that was not replayed is
 * seen through an overlay, as a reader of the image would see it.
 */
final class RawBlocks {
    private final BlockDevice dev;
    private final Map<Long, Long> overlay;
    private final long txid;

    /** @param txid the superblock's txid: blocks written after it are reported, not trusted */
    RawBlocks(BlockDevice dev, Map<Long, Long> overlay, long txid) {
        this.dev = dev;
        this.overlay = overlay;
        this.txid = txid;
    }

    int blockSize() {
        return dev.blockSize();
    }

    byte[] read(long block) {
        byte[] b = new byte[dev.blockSize()];
        try {
            dev.read(overlay.getOrDefault(block, block), b, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b;
    }

    /** The block if its trailer verifies with {@code tag}, else null with the reason in {@code why[0]}. */
    byte[] readVerified(long block, Tag tag, String[] why) {
        byte[] b = read(block);
        try {
            BlockTrailer.verify(b, block, tag);
            BlockTrailer.verifyNotNewer(b, block, tag, txid);
            return b;
        } catch (CorruptImageException e) {
            why[0] = e.getMessage().replaceFirst("^block \\d+ \\([^)]*\\): ", "");
            return null;
        }
    }
}
