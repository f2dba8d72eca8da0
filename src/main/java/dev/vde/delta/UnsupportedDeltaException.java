package dev.vde.delta;

import dev.vde.format.UnsupportedFormatException;

/** A delta of a format version this vde does not read: unsupported, not damaged (a newer vde may read it). */
public class UnsupportedDeltaException extends UnsupportedFormatException {
    public UnsupportedDeltaException(String message) {
        super(message);
    }
}
