package dev.backfill.source;

import dev.backfill.mapping.StoredText;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8: where bytes stop being UTF-8, and how to show them. Java's own decoding replaces a bad
 * byte with U+FFFD without a word; legacy text must never land like that.
 */
final class Utf8 {

    private Utf8() {}

    /** The offset of the first byte that is not part of valid UTF-8, or -1 when all of it is valid. */
    static int firstInvalid(byte[] bytes, int offset, int length) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer out = CharBuffer.allocate(Math.min(length, 8192) + 1);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                return in.position() - offset;
            }
            if (result.isUnderflow()) {
                result = decoder.flush(out);
                return result.isError() ? in.position() - offset : -1;
            }
            out.clear();
        }
    }

    /** Why the bytes are not UTF-8, as the rest of a sentence: {@code is not valid UTF-8 at byte 2 (0xFF)}, 1-based. */
    static String problem(byte[] bytes, int offset, int length, int invalidAt) {
        return "is not valid UTF-8 at byte " + (invalidAt + 1) + String.format(" (0x%02X)", bytes[offset + invalidAt] & 0xFF);
    }

    /**
     * The bytes as text a DBA can read: valid UTF-8 as it is, every byte of a bad sequence as {@code \xFF},
     * NUL as {@code &#92;u0000}; at most {@code maxChars} characters, then "…".
     */
    static String shown(byte[] bytes, int offset, int length, int maxChars) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < length && out.length() < maxChars) {
            int bad = firstInvalid(bytes, offset + at, length - at);
            int good = bad < 0 ? length - at : bad;
            out.append(new String(bytes, offset + at, good, StandardCharsets.UTF_8));
            at += good;
            if (bad >= 0) {
                out.append(String.format("\\x%02X", bytes[offset + at] & 0xFF));
                at++;
            }
        }
        String text = StoredText.escape(out.toString());
        return text.length() > maxChars || at < length ? text.substring(0, Math.min(text.length(), maxChars)) + "…" : text;
    }
}
