package dev.vde.testutil;

import dev.vde.check.Checker;
import dev.vde.check.Finding;
import dev.vde.io.BlockDevice;
import java.io.IOException;
import java.util.stream.Collectors;

/** The one fsck helper for engine tests: null if the image checks clean, else the findings. */
public final class Fsck {
    private Fsck() {
    }

    public static String check(BlockDevice dev) throws IOException {
        Checker c = Checker.check(dev);
        if (c.findings().isClean()) {
            return null;
        }
        return c.findings().list().stream().map(Finding::toString).collect(Collectors.joining("\n"));
    }
}
