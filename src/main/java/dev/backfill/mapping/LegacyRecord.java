package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One legacy record an entity maps: a source row, or one element exploded out of it.
 *
 * @param value    the record itself
 * @param parent   the record it was exploded from ({@code $parent}), or null for a source row
 * @param row      the whole source row ({@code $row})
 * @param position 1-based position among the user's records of this entity, for messages
 */
public record LegacyRecord(JsonNode value, LegacyRecord parent, ObjectNode row, int position) {

    public static LegacyRecord ofRow(ObjectNode row, int position) {
        return new LegacyRecord(row, null, row, position);
    }
}
