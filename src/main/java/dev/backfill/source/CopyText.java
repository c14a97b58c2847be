package dev.backfill.source;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Splits one line of PostgreSQL's COPY text format into its fields, undoing the backslash escapes. */
final class CopyText {

    private CopyText() {}

    /** The fields of a line (without its newline); null for {@code \N}. */
    static List<String> fields(byte[] line, int length) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= length; i++) {
            if (i == length || line[i] == '\t') {
                fields.add(field(line, start, i));
                start = i + 1;
            }
        }
        return fields;
    }

    /** The line's length without a trailing newline. */
    static int contentLength(byte[] line) {
        int length = line.length;
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) {
            length--;
        }
        return length;
    }

    private static String field(byte[] line, int from, int to) {
        if (to - from == 2 && line[from] == '\\' && line[from + 1] == 'N') {
            return null;
        }
        boolean escaped = false;
        for (int i = from; i < to; i++) {
            if (line[i] == '\\') {
                escaped = true;
                break;
            }
        }
        if (!escaped) {
            return new String(line, from, to - from, StandardCharsets.UTF_8);
        }
        byte[] out = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = line[i];
            if (b != '\\' || i + 1 >= to) {
                out[n++] = b;
                continue;
            }
            byte next = line[++i];
            switch (next) {
                case 'n' -> out[n++] = '\n';
                case 't' -> out[n++] = '\t';
                case 'r' -> out[n++] = '\r';
                case 'b' -> out[n++] = '\b';
                case 'f' -> out[n++] = '\f';
                case 'v' -> out[n++] = 0x0b;
                case 'x' -> {
                    int value = 0;
                    int digits = 0;
                    while (digits < 2 && i + 1 < to && Character.digit(line[i + 1], 16) >= 0) {
                        value = value * 16 + Character.digit(line[++i], 16);
                        digits++;
                    }
                    out[n++] = (byte) value;
                }
                default -> {
                    if (next >= '0' && next <= '7') {
                        int value = next - '0';
                        int digits = 1;
                        while (digits < 3 && i + 1 < to && line[i + 1] >= '0' && line[i + 1] <= '7') {
                            value = value * 8 + (line[++i] - '0');
                            digits++;
                        }
                        out[n++] = (byte) value;
                    } else {
                        out[n++] = next;
                    }
                }
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
