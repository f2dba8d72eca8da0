package dev.vde.error;

/** The operation conflicts with the image's state: a name exists, a base does not match. */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
