package dev.vde.alloc;

/** A run of contiguous physical blocks. */
public record Run(long start, long length) {
    public long end() {
        return start + length;
    }
}
