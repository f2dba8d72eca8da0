package dev.vde.error;

/** Another process holds a lock on the image that excludes this one. */
public class ImageLockedException extends ConflictException {
    public ImageLockedException(String message) {
        super(message);
    }
}
