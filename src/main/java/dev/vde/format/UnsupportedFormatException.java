package dev.vde.format;

/** A valid structure of a format version this build cannot read or write. */
public class UnsupportedFormatException extends RuntimeException {
    public UnsupportedFormatException(String message) {
        super(message);
    }
}
