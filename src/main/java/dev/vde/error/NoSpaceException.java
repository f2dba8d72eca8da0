package dev.vde.error;

/** No space left: in the image (blocks, inodes) or on the host file system. */
public class NoSpaceException extends RuntimeException {
    public NoSpaceException(String message) {
        super(message);
    }
}
