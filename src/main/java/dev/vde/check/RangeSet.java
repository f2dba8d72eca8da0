package dev.vde.check;

import java.util.Map;
import java.util.TreeMap;

/** Disjoint, merged ranges of blocks [start, end). */
final class RangeSet {
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    /** Adds [start, end), merging with what it touches. */
    void add(long start, long end) {
        if (end <= start) {
            return;
        }
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(start);
        }
        ranges.put(start, end);
    }

    RangeSet minus(RangeSet other) {
        RangeSet out = new RangeSet();
        for (Map.Entry<Long, Long> r : ranges.entrySet()) {
            long s = r.getKey();
            long e = r.getValue();
            Map.Entry<Long, Long> o = other.ranges.floorEntry(s);
            if (o != null && o.getValue() > s) {
                s = o.getValue();
            }
            for (Map.Entry<Long, Long> x : other.ranges.subMap(s, true, e, false).entrySet()) {
                out.add(s, x.getKey());
                s = Math.max(s, x.getValue());
            }
            out.add(s, e);
        }
        return out;
    }

    RangeSet union(RangeSet other) {
        RangeSet out = new RangeSet();
        ranges.forEach(out::add);
        other.ranges.forEach(out::add);
        return out;
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** One past the last block. */
    long max() {
        return ranges.lastEntry().getValue();
    }

    interface RangeVisitor {
        void visit(long start, long end);
    }

    void forEach(RangeVisitor v) {
        ranges.forEach(v::visit);
    }

    /** The parts of the ranges inside [from, to). */
    void forEachIn(long from, long to, RangeVisitor v) {
        Map.Entry<Long, Long> first = ranges.floorEntry(from);
        long start = first != null && first.getValue() > from ? first.getKey() : from;
        for (Map.Entry<Long, Long> r : ranges.subMap(start, true, to, false).entrySet()) {
            long s = Math.max(from, r.getKey());
            long e = Math.min(to, r.getValue());
            if (e > s) {
                v.visit(s, e);
            }
        }
    }
}
