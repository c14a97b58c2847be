package dev.backfill.mapping;

/**
 * Text PostgreSQL cannot store, and its escaped form. PostgreSQL text and jsonb hold neither the NUL
 * character (U+0000) nor half of a UTF-16 surrogate pair (which is no character at all; Java would
 * silently write it as '?'). The tool never writes either into the target; where it must keep such
 * text for a DBA (findings, reports), it writes the six characters {@code &#92;u0000}, {@code &#92;uD800}.
 */
public final class StoredText {

    private StoredText() {}

    /** What makes the text unstorable, as the rest of a sentence about it, or null when it is fine. */
    public static String problem(String text) {
        int at = firstBad(text);
        if (at < 0) {
            return null;
        }
        char c = text.charAt(at);
        return c == 0 ? "contains a NUL character (\\u0000), which PostgreSQL text cannot store"
                : "contains " + hex(c) + ", half of a UTF-16 surrogate pair without its other half: not a character,"
                + " so PostgreSQL cannot store it (it would become '?')";
    }

    /** The text with every NUL and unpaired surrogate written as {@code &#92;uXXXX}; the same instance when there is none. */
    public static String escape(String text) {
        int at = firstBad(text);
        if (at < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, at);
        for (int i = at; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                out.append(hex(c));
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append(hex(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Index of the first NUL or unpaired surrogate, or -1. Every text value is checked on its way to the
     * target, so the common case is one comparison per character: {@code (char) (c - 1)} is at least
     * U+D7FF exactly for NUL, surrogates and characters from U+E000 up; only those are looked at closely.
     */
    static int firstBad(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            if ((char) (text.charAt(i) - 1) >= '\uD7FF') {
                return closely(text, i);
            }
        }
        return -1;
    }

    private static int closely(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return i;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    private static String hex(char c) {
        return String.format("\\u%04X", (int) c);
    }
}
