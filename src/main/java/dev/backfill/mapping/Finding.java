package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One finding of a dry run.
 *
 * @param values    the competing or offending values, as JSON
 * @param chosen    the value used, or null when none was (row skipped, data left behind)
 * @param legacyIds ids of the legacy records involved
 * @param message   a sentence a DBA understands: what, where, and what happens to the row
 */
public record Finding(
        String user,
        String entity,
        FindingKind kind,
        String field,
        List<JsonNode> values,
        JsonNode chosen,
        List<String> legacyIds,
        String message) {

    public Finding {
        values = List.copyOf(values);
        legacyIds = List.copyOf(legacyIds);
    }
}
