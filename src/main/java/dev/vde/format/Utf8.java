package dev.vde.format;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding of names read from an image: malformed bytes are damage, never replaced. */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * @throws CorruptImageException naming {@code block} and {@code where} if the bytes are not valid UTF-8
     */
    public static String decode(byte[] b, int off, int len, long block, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new CorruptImageException(block, where, "name is not valid UTF-8");
        }
    }
}
