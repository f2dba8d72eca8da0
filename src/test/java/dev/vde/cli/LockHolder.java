package dev.vde.cli;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Runs in a second JVM: holds a lock on an image, as another {@code vde} process would, until
 * its standard input closes. Usage: {@code LockHolder IMAGE shared|exclusive}; prints
 * {@code locked} once the lock is held.
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        boolean shared = "shared".equals(args[1]);
        try (FileChannel ch = shared ? FileChannel.open(Path.of(args[0]), StandardOpenOption.READ)
                : FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = ch.lock(0, Long.MAX_VALUE, shared)) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the lock until the parent closes our stdin (or dies)
            }
        }
    }
}
