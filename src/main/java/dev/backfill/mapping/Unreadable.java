package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

/**
 * A legacy value, or a whole legacy record, that the source could not read faithfully: JSON beyond
 * the {@link Json} limits, text that is not valid UTF-8, a JSON-lines line that is not a document.
 * The reader puts this marker where the value (or the record) would be; the mapping turns it into an
 * {@code INVALID_VALUE} finding and never into data, so nothing is written in a guessed form (JSON as
 * a string, text with replacement characters).
 *
 * @param where    where a record is in the source ("line 118"), for record markers; null for a value
 * @param field    the legacy field where reading stopped ("payload", "$" for the whole record); null for a value
 * @param reason   what is wrong, as the rest of a sentence about the value ("is not valid UTF-8 at byte 2 (0xFF)")
 * @param shown    the value as a DBA may see it: escaped and shortened, never the raw bytes
 * @param dropsRow true when the row must not be migrated at all (the value could not even be read),
 *                 false when only the column cannot hold it (written as its default, fallback or NULL)
 */
public record Unreadable(String where, String field, String reason, String shown, boolean dropsRow) {

    /** The only key of a record marker: a name no source column or document key is likely to have. */
    public static final String RECORD_KEY = "$unreadable";

    /** A marker standing for one value of a readable record. */
    public static JsonNode value(String reason, String shown, boolean dropsRow) {
        return new POJONode(new Unreadable(null, null, reason, shown, dropsRow));
    }

    /** A marker standing for a whole record (one line of a JSON-lines file). */
    public static ObjectNode record(String where, String field, String reason, String shown) {
        ObjectNode row = Json.NODES.objectNode();
        row.set(RECORD_KEY, new POJONode(new Unreadable(where, field, reason, shown, true)));
        return row;
    }

    /** The marker a value is, or null. */
    public static Unreadable of(JsonNode node) {
        return node instanceof POJONode pojo && pojo.getPojo() instanceof Unreadable marker ? marker : null;
    }

    /** The marker a whole record is, or null. */
    public static Unreadable ofRecord(JsonNode row) {
        return row != null && row.size() == 1 && row.isObject() ? of(row.get(RECORD_KEY)) : null;
    }

    /** Whether any top-level value of a row is a marker (readers only put them there). */
    public static boolean anyIn(ObjectNode row) {
        for (JsonNode value : row) {
            if (value instanceof POJONode && of(value) != null) {
                return true;
            }
        }
        return false;
    }

    /** The first marker inside a JSON value (walking containers), or null. */
    public static Unreadable find(JsonNode node) {
        if (node.isPojo()) {
            return of(node);
        }
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                Unreadable found = find(child);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The value as a finding shows it. */
    public JsonNode shownNode() {
        return Json.NODES.textNode(shown);
    }
}
