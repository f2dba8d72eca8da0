package dev.vde.io;

class MemoryDeviceTest extends BlockDeviceContract {
    @Override
    BlockDevice create(int blockSize, long blocks) {
        return new MemoryDevice(blockSize, blocks);
    }

    @Override
    BlockDevice reopen(BlockDevice closed) {
        return ((MemoryDevice) closed).copy();
    }
}
