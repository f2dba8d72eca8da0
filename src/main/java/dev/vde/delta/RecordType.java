package dev.vde.delta;

import dev.vde.format.LE;
import java.nio.charset.StandardCharsets;

/**
 * The record types of a delta stream after its header. A type is stored as four ASCII letters in
 * reading order, like the block tags of an image, so that a hex dump shows them. Each type allows
 * bodies of a fixed length, or of a fixed part plus a name of 1 to 255 bytes.
 */
public enum RecordType {
    /** A file of the delta: created empty, or a file of the base that the records after it change. */
    FILE("FILE", 15, 14 + DeltaFormat.MAX_NAME),
    /** A rename. */
    MOVE("MOVE", 11, 10 + DeltaFormat.MAX_NAME),
    /** A size change (truncation or extension; new bytes read as zeros). */
    SIZE("SIZE", 16, 16),
    /** A logical range that becomes a hole (reads as zeros). */
    HOLE("HOLE", 24, 24),
    /** File data: the seed's 36-byte extent entry and a hash of the data, which follows the record. */
    DATA("DATA", 44, 44),
    /** A deletion. */
    DELE("DELE", 11, 10 + DeltaFormat.MAX_NAME),
    /** The end record: counts, length and the checksum of the whole stream. */
    END("END ", 32, 32);

    private final String tag;
    private final int value;
    private final int minBody;
    private final int maxBody;

    RecordType(String tag, int minBody, int maxBody) {
        this.tag = tag;
        this.value = LE.be32(tag.getBytes(StandardCharsets.US_ASCII), 0);
        this.minBody = minBody;
        this.maxBody = maxBody;
    }

    /** The type as a big-endian int: the byte order in which it is stored. */
    public int value() {
        return value;
    }

    /** The four stored letters ({@code "END "} with its space). */
    public String tag() {
        return tag;
    }

    /** The type as commands print it ({@code END} without the space). */
    public String label() {
        return tag.strip();
    }

    int minBody() {
        return minBody;
    }

    int maxBody() {
        return maxBody;
    }

    /** The type with this stored value, or null. */
    public static RecordType of(int value) {
        for (RecordType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        return null;
    }
}
