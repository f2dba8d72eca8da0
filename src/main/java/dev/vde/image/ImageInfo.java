package dev.vde.image;

import java.util.UUID;

/** What {@code info} reports; {@code snapshots} is -1 when the snapshot catalog is unreadable. */
public record ImageInfo(String path, int formatVersion, UUID uuid, int blockSize, long totalBlocks, long freeBlocks,
        long dataBlocks, long files, long inodeCapacity, long txid, long createdMillis, long imageBytes, long walStart, long walBlocks, long bitmapStart, long bitmapBlocks, long inodeStart,
        long inodeBlocks, long snapStart, long snapBlocks, long dataStart, long snapshots) {

    public long usedBlocks() {
        return dataBlocks - freeBlocks;
    }
}
