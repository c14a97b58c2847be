package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.plan.Coercion;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Text forms of converted values: for COPY, for SQL literals in previews, and the hash form, which
 * is exactly what PostgreSQL prints for the same value with the expressions in
 * {@code dev.backfill.db.ChecksumSql} (so planned and actual rows can be compared server-side).
 */
public final class ValueText {
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private ValueText() {}

    /** The value as PostgreSQL reads it from text: used by COPY and by literals. */
    public static String plain(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof Boolean flag) {
            return flag ? "true" : "false";
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof OffsetDateTime time) {
            return timestamp(time.getOffset().equals(ZoneOffset.UTC) ? time.toLocalDateTime()
                    : time.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime(), true);
        }
        if (value instanceof LocalDateTime time) {
            return timestamp(time, false);
        }
        if (value instanceof JsonNode json) {
            return Json.write(json);
        }
        if (value instanceof List<?> list) {
            return arrayLiteral(list);
        }
        return String.valueOf(value);
    }

    /** One field of a COPY text-format line: {@code \N} for null, backslash escapes otherwise. */
    public static String copyField(Object value) {
        StringBuilder out = new StringBuilder();
        appendCopyField(out, value);
        return out.toString();
    }

    /** {@link #copyField}, appended to {@code out} without a string of its own. */
    public static void appendCopyField(StringBuilder out, Object value) {
        if (value == null) {
            out.append("\\N");
            return;
        }
        appendCopyText(out, plain(value));
    }

    /** A value's text as a COPY field: the characters COPY's text format reserves, escaped. */
    static void appendCopyText(StringBuilder out, String text) {
        int clean = 0;
        for (int i = 0; i < text.length(); i++) {
            String escape = switch (text.charAt(i)) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> null;
            };
            if (escape != null) {
                out.append(text, clean, i).append(escape);
                clean = i + 1;
            }
        }
        out.append(text, clean, text.length());
    }

    /** A SQL literal a DBA can paste into psql: {@code NULL}, {@code 'text'}, {@code '…'::uuid}. */
    public static String literal(Object value, ColumnType type) {
        if (value == null) {
            return "NULL";
        }
        String quoted = "'" + plain(value).replace("'", "''") + "'";
        if (type == null || type.coercion() == Coercion.TEXT) {
            return quoted;
        }
        if (value instanceof Long || value instanceof Boolean) {
            return plain(value);
        }
        return quoted + "::" + type.sqlType();
    }

    /** PostgreSQL's array input syntax: {"a","b",NULL}. */
    static String arrayLiteral(List<?> list) {
        StringBuilder out = new StringBuilder("{");
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object item = list.get(i);
            if (item == null || item == Coercer.NullElement.INSTANCE) {
                out.append("NULL");
            } else {
                out.append('"').append(plain(item).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return out.append('}').toString();
    }

    /**
     * The hash text of a value written into a column of another type (the plan's {@code as:} differs
     * from the column's): the value as PostgreSQL holds it after converting it to the column's type.
     */
    public static String hashTextAs(Object value, ColumnType written, ColumnType stored) {
        if (value == null || stored == null || written == null || written.coercion() == stored.coercion()) {
            return hashText(value, stored != null ? stored.coercion() : written == null ? Coercion.TEXT : written.coercion());
        }
        Coercer.Result converted = Coercer.coerce(Json.NODES.textNode(plain(value)), stored, null);
        return converted instanceof Coercer.Ok ok ? hashText(ok.value(), stored.coercion()) : plain(value);
    }

    /** The text PostgreSQL prints for this value under {@code ChecksumSql}'s expression for its type; null stays null. */
    public static String hashText(Object value, Coercion type) {
        if (value == null) {
            return null;
        }
        return switch (type) {
            case NUMERIC -> trimScale((BigDecimal) value);
            case DOUBLE -> trimScale(new BigDecimal(((BigDecimal) value).doubleValue()).round(new MathContext(15, RoundingMode.HALF_EVEN)));
            case REAL -> trimScale(new BigDecimal((double) ((BigDecimal) value).floatValue()).round(new MathContext(6, RoundingMode.HALF_EVEN)));
            case TIMESTAMPTZ -> epoch(((OffsetDateTime) value).toEpochSecond(), ((OffsetDateTime) value).getNano());
            case TIMESTAMP -> epoch(((LocalDateTime) value).toEpochSecond(ZoneOffset.UTC), ((LocalDateTime) value).getNano());
            case DATE -> ((LocalDate) value).toString();
            case JSONB -> jsonb((JsonNode) value);
            case JSON -> Json.write((JsonNode) value);
            case TEXT_ARRAY, UUID_ARRAY, INTEGER_ARRAY, BIGINT_ARRAY -> jsonArray((List<?>) value);
            default -> plain(value);
        };
    }

    private static String trimScale(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        BigDecimal stripped = value.stripTrailingZeros();
        return (stripped.scale() < 0 ? stripped.setScale(0) : stripped).toPlainString();
    }

    /** What extract(epoch …) prints: seconds with up to 6 decimals, trailing zeros dropped. */
    static String epoch(long seconds, int nanos) {
        long micros = Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1000);
        long whole = Math.abs(micros / 1_000_000L);
        int fraction = (int) Math.abs(micros % 1_000_000L);
        StringBuilder out = new StringBuilder(24);
        if (micros < 0) {
            out.append('-');
        }
        out.append(whole);
        if (fraction != 0) {
            int digits = 6;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            out.append('.');
            appendPadded(out, fraction, digits);
        }
        return out.toString();
    }

    /**
     * {@code uuuu-MM-dd HH:mm:ss.SSSSSS}, and {@code +00} for a UTC time: written by hand, as the
     * formatter allocated more than anything else apply rendered. Years outside 1–9999 go through the
     * formatter, which signs them.
     */
    static String timestamp(LocalDateTime time, boolean utc) {
        int year = time.getYear();
        if (year < 1 || year > 9999) {
            return TIMESTAMP.format(time) + (utc ? "+00" : "");
        }
        StringBuilder out = new StringBuilder(29);
        appendPadded(out, year, 4);
        out.append('-');
        appendPadded(out, time.getMonthValue(), 2);
        out.append('-');
        appendPadded(out, time.getDayOfMonth(), 2);
        out.append(' ');
        appendPadded(out, time.getHour(), 2);
        out.append(':');
        appendPadded(out, time.getMinute(), 2);
        out.append(':');
        appendPadded(out, time.getSecond(), 2);
        out.append('.');
        appendPadded(out, time.getNano() / 1000, 6);
        if (utc) {
            out.append("+00");
        }
        return out.toString();
    }

    private static void appendPadded(StringBuilder out, int value, int digits) {
        for (int limit = 10, i = 1; i < digits; i++, limit *= 10) {
            if (value < limit) {
                out.append('0');
            }
        }
        out.append(value);
    }

    /** What array_to_json(col)::text prints. */
    private static String jsonArray(List<?> list) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            Object item = list.get(i);
            if (item == null || item == Coercer.NullElement.INSTANCE) {
                out.append("null");
            } else if (item instanceof Long number) {
                out.append(number);
            } else {
                appendJsonString(out, plain(item));
            }
        }
        return out.append(']').toString();
    }

    /** What jsonb's output function prints: keys by length then bytes, ", " and ": " separators. */
    static String jsonb(JsonNode node) {
        StringBuilder out = new StringBuilder();
        appendJsonb(out, node);
        return out.toString();
    }

    private static void appendJsonb(StringBuilder out, JsonNode node) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator();
            it.forEachRemaining(fields::add);
            fields.sort((a, b) -> compareJsonbKeys(a.getKey(), b.getKey()));
            out.append('{');
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                appendJsonString(out, fields.get(i).getKey());
                out.append(": ");
                appendJsonb(out, fields.get(i).getValue());
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                appendJsonb(out, node.get(i));
            }
            out.append(']');
        } else if (node.isTextual()) {
            appendJsonString(out, node.textValue());
        } else if (node.isNumber()) {
            out.append(node.isIntegralNumber() ? node.bigIntegerValue().toString() : jsonbNumber(node.decimalValue()));
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else {
            out.append("null");
        }
    }

    private static String jsonbNumber(BigDecimal value) {
        String plain = value.toPlainString();
        return plain.startsWith("-") && value.signum() == 0 ? plain.substring(1) : plain;
    }

    static int compareJsonbKeys(String a, String b) {
        if (isAscii(a) && isAscii(b)) {
            // one byte per character: the same order without encoding every key of every object sorted
            return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
        }
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return java.util.Arrays.compareUnsigned(x, y);
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** PostgreSQL's escape_json: quotes, backslashes and control characters only. */
    private static void appendJsonString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < ' ') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
