package dev.backfill.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.StoredText;
import dev.backfill.mapping.Unreadable;
import java.math.BigDecimal;

/**
 * Turns one column's text (as PostgreSQL prints it) into the JSON value {@code row_to_json} would
 * give: numbers stay numbers, json and jsonb stay nested, arrays become JSON arrays, timestamps
 * ISO-8601, everything else text.
 */
final class ColumnReader {

    enum Kind { TEXT, INTEGER, DECIMAL, BOOLEAN, JSON, TIMESTAMPTZ, TIMESTAMP, ARRAY }

    private final Kind kind;
    private final ColumnReader element;

    private ColumnReader(Kind kind, ColumnReader element) {
        this.kind = kind;
        this.element = element;
    }

    /** Whether paths can go inside the column's values: json, jsonb and arrays have fields or elements. */
    boolean navigable() {
        return kind == Kind.JSON || kind == Kind.ARRAY;
    }

    /** For a column of this PostgreSQL type name (as JDBC reports it, e.g. int4, _text, jsonb). */
    static ColumnReader forType(String typeName) {
        if (typeName.startsWith("_")) {
            return new ColumnReader(Kind.ARRAY, forType(typeName.substring(1)));
        }
        Kind kind = switch (typeName) {
            case "int2", "int4", "int8", "oid", "serial", "bigserial", "smallserial", "serial4", "serial8", "serial2" -> Kind.INTEGER;
            case "numeric", "float4", "float8" -> Kind.DECIMAL;
            case "bool" -> Kind.BOOLEAN;
            case "json", "jsonb" -> Kind.JSON;
            case "timestamptz" -> Kind.TIMESTAMPTZ;
            case "timestamp" -> Kind.TIMESTAMP;
            default -> Kind.TEXT;
        };
        return new ColumnReader(kind, null);
    }

    JsonNode read(String text) {
        if (text == null) {
            return Json.NODES.nullNode();
        }
        return switch (kind) {
            case INTEGER -> integer(text);
            case DECIMAL -> decimal(text);
            case BOOLEAN -> Json.NODES.booleanNode(text.equals("t") || text.equals("true"));
            case JSON -> json(text);
            case TIMESTAMPTZ -> Json.NODES.textNode(isoTimestamptz(text));
            case TIMESTAMP -> Json.NODES.textNode(text.length() > 10 && text.charAt(10) == ' '
                    ? text.substring(0, 10) + 'T' + text.substring(11) : text);
            case ARRAY -> array(text);
            default -> Json.NODES.textNode(text);
        };
    }

    private static JsonNode integer(String text) {
        try {
            long value = Long.parseLong(text);
            // the node kinds Jackson itself picks when reading a JSON number
            return value == (int) value ? Json.NODES.numberNode((int) value) : Json.NODES.numberNode(value);
        } catch (NumberFormatException e) {
            return decimal(text);
        }
    }

    private static JsonNode decimal(String text) {
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
            // a whole number reads as an integer, exactly as Jackson reads row_to_json's "1"
            try {
                java.math.BigInteger whole = new java.math.BigInteger(text);
                return whole.bitLength() < 64 ? integer(text) : Json.NODES.numberNode(whole);
            } catch (NumberFormatException e) {
                return Json.NODES.textNode(text); // Infinity, NaN
            }
        }
        try {
            return Json.NODES.numberNode(new BigDecimal(text));
        } catch (NumberFormatException e) {
            return Json.NODES.textNode(text); // NaN, Infinity
        }
    }

    /**
     * A json or jsonb value; one beyond the {@link Json} limits (nested deeper than 1,000 levels, a number of
     * more than 1,000 digits) is an unreadable value that keeps its row behind. Never its text instead: a
     * JSON array must not land as a JSON string.
     */
    private static JsonNode json(String text) {
        try {
            return Json.parse(text);
        } catch (StreamConstraintsException e) {
            return Unreadable.value(Json.limitProblem(e), shorten(text), true);
        } catch (JsonProcessingException e) {
            return Unreadable.value("could not be read as JSON (" + e.getOriginalMessage() + ")", shorten(text), true);
        }
    }

    private static String shorten(String text) {
        String start = text.length() > 80 ? text.substring(0, 77) + "…" : text;
        return StoredText.escape(start);
    }

    /** {@code 2024-01-04 09:00:00+00} → {@code 2024-01-04T09:00:00+00:00}, as row_to_json prints it. */
    static String isoTimestamptz(String text) {
        if (text.length() < 19 || text.charAt(10) != ' ') {
            return text; // infinity, or a BC date
        }
        StringBuilder out = new StringBuilder(text.length() + 4).append(text, 0, 10).append('T').append(text, 11, text.length());
        int sign = Math.max(out.lastIndexOf("+"), out.lastIndexOf("-"));
        if (sign >= 19 && out.length() - sign == 3) {
            out.append(":00");
        }
        return out.toString();
    }

    /** PostgreSQL's array output: {a,"b c",NULL,{1,2}}, optionally prefixed with its bounds ([0:1]={...}). */
    private JsonNode array(String text) {
        String body = text;
        if (body.startsWith("[")) {
            int equals = body.indexOf('=');
            body = equals < 0 ? body : body.substring(equals + 1);
        }
        int[] at = {0};
        JsonNode parsed = parseArray(body, at);
        return parsed == null ? Json.NODES.textNode(text) : parsed;
    }

    private JsonNode parseArray(String text, int[] at) {
        if (at[0] >= text.length() || text.charAt(at[0]) != '{') {
            return null;
        }
        at[0]++;
        ArrayNode array = Json.NODES.arrayNode();
        if (at[0] < text.length() && text.charAt(at[0]) == '}') {
            at[0]++;
            return array;
        }
        while (at[0] < text.length()) {
            char c = text.charAt(at[0]);
            if (c == '{') {
                JsonNode inner = parseArray(text, at);
                if (inner == null) {
                    return null;
                }
                array.add(inner);
            } else if (c == '"') {
                StringBuilder value = new StringBuilder();
                at[0]++;
                while (at[0] < text.length() && text.charAt(at[0]) != '"') {
                    char d = text.charAt(at[0]);
                    if (d == '\\' && at[0] + 1 < text.length()) {
                        d = text.charAt(++at[0]);
                    }
                    value.append(d);
                    at[0]++;
                }
                at[0]++;
                array.add(element.read(value.toString()));
            } else {
                int end = at[0];
                while (end < text.length() && text.charAt(end) != ',' && text.charAt(end) != '}') {
                    end++;
                }
                String token = text.substring(at[0], end).trim();
                array.add(token.equalsIgnoreCase("NULL") ? Json.NODES.nullNode() : element.read(token));
                at[0] = end;
            }
            if (at[0] >= text.length()) {
                return null;
            }
            char separator = text.charAt(at[0]++);
            if (separator == '}') {
                return array;
            }
        }
        return null;
    }
}
