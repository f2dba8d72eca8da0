package dev.vde.check;

import java.util.ArrayList;
import java.util.List;

/**
 * The findings of one check. A damaged image can produce findings by the million (a bitmap
 * block of zeros); past a limit they are counted, not kept, so memory stays bounded.
 */
public final class Findings {
    static final int LIMIT = 10_000;
    private final List<Finding> kept = new ArrayList<>();
    private long total;
    private long damage;
    private long notes;

    void add(Finding f) {
        total++;
        if (f.severity() == Severity.DAMAGE) {
            damage++;
        } else if (f.severity() == Severity.NOTE) {
            notes++;
        }
        if (kept.size() < LIMIT) {
            kept.add(f);
        }
    }

    public List<Finding> list() {
        return kept;
    }

    public long total() {
        return total;
    }

    public long damage() {
        return damage;
    }

    public long harmless() {
        return total - damage - notes;
    }

    /** True if nothing but notes was found. */
    public boolean isClean() {
        return total == notes;
    }
}
