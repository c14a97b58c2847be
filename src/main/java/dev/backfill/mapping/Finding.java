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

    /** Why a row of {@code entity} is not migrated, from the findings about it: " (its own finding: KIND on FIELD)", or "". */
    static String why(List<Finding> findings, String entity, String legacyId) {
        for (Finding finding : findings) {
            if (finding.entity().equals(entity) && finding.legacyIds().contains(legacyId)) {
                return " (its own finding: " + finding.kind() + " on " + finding.field() + ")";
            }
        }
        return "";
    }
}
