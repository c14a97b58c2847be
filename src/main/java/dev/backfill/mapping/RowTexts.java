package dev.backfill.mapping;

import dev.backfill.plan.Coercion;
import java.util.Arrays;
import java.util.List;

/**
 * A planned row rendered once for apply: the hash texts parity compares (the values as PostgreSQL
 * prints them from the stored row) and the COPY line that writes the row. Where a value's hash text
 * is also text PostgreSQL reads back as the same value, it is written as it is hashed rather than
 * rendered twice; a jsonb value is written in jsonb's own output form, which parses to the same value.
 */
public record RowTexts(List<String> hashTexts, String copyLine) {

    /** {@code written} and {@code stored}: each column's type as the plan writes it and as the target stores it. */
    public static RowTexts of(List<Object> values, ColumnType[] written, ColumnType[] stored) {
        String[] hashTexts = new String[values.size()];
        String[] copyTexts = new String[values.size()];
        int length = values.size() + 16; // tabs, and a few escapes
        for (int i = 0; i < hashTexts.length; i++) {
            Object value = values.get(i);
            hashTexts[i] = ValueText.hashTextAs(value, written[i], stored[i]);
            copyTexts[i] = value == null ? null : writtenAsHashed(written[i], stored[i]) ? hashTexts[i] : ValueText.plain(value);
            length += copyTexts[i] == null ? 2 : copyTexts[i].length();
        }
        // sized to the line: a builder grown step by step copied every long row several times
        StringBuilder line = new StringBuilder(length);
        for (int i = 0; i < copyTexts.length; i++) {
            if (i > 0) {
                line.append('\t');
            }
            if (copyTexts[i] == null) {
                line.append("\\N");
            } else {
                ValueText.appendCopyText(line, copyTexts[i]);
            }
        }
        return new RowTexts(Arrays.asList(hashTexts), line.toString());
    }

    /** Whether a value's hash text, read by the column's input function, gives the value itself. */
    static boolean writtenAsHashed(ColumnType written, ColumnType stored) {
        if (written == null || stored == null || written.coercion() != stored.coercion()) {
            return false;
        }
        Coercion type = stored.coercion();
        return switch (type) {
            case TEXT, UUID, BOOLEAN, SMALLINT, INTEGER, BIGINT, DATE, JSON, JSONB -> true;
            default -> false;
        };
    }
}
