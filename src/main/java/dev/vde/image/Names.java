package dev.vde.image;

import dev.vde.format.InodeLayout;
import java.nio.charset.StandardCharsets;

/** What a file name may be: 1 to 255 bytes of UTF-8, no control characters (C0, DEL or C1). */
public final class Names {
    private Names() {
    }

    public static String validate(String name) {
        return validate(name, "file name");
    }

    /** Validates a name of any kind; {@code what} ("file name", "snapshot name") starts each message. */
    public static String validate(String name, String what) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (!new String(utf8, StandardCharsets.UTF_8).equals(name)) {
            throw new IllegalArgumentException(what + " is not valid Unicode");
        }
        if (utf8.length > InodeLayout.MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " is " + utf8.length + " bytes long; the limit is "
                    + InodeLayout.MAX_NAME_BYTES);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw new IllegalArgumentException(what + " contains control character 0x"
                        + Integer.toHexString(c));
            }
        }
        return name;
    }
}
