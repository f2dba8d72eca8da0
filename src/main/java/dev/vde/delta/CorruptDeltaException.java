package dev.vde.delta;

/**
 * A delta stream fails validation: bad magic, a stream cut short, a checksum, a length, a count or
 * a field that the format does not allow. The message names the stream, the record (the header is
 * record 0) and the byte offset at which that record starts; {@link #record()} and {@link #offset()}
 * give them to callers.
 */
public class CorruptDeltaException extends RuntimeException {
    private final long record;
    private final long offset;

    /**
     * @param source the stream as users know it (a path, {@code stdin}), or null
     * @param record the record at fault, 0 for the header
     * @param kind   the record's type as read ({@code FILE}, {@code header}), or null if unknown
     * @param offset the byte offset at which the record starts
     */
    public CorruptDeltaException(String source, long record, String kind, long offset, String detail) {
        super(where(source, record, kind, offset) + ": " + detail);
        this.record = record;
        this.offset = offset;
    }

    /** "SOURCE: record N (KIND) at byte O", the prefix of every message about a place in a delta. */
    public static String where(String source, long record, String kind, long offset) {
        return (source == null ? "" : source + ": ") + "record " + record + (kind == null ? "" : " (" + kind + ")")
                + " at byte " + offset;
    }

    /** The record at fault (0 for the header). */
    public long record() {
        return record;
    }

    /** The byte offset in the stream at which the record at fault starts. */
    public long offset() {
        return offset;
    }
}
