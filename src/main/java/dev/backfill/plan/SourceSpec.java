package dev.backfill.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an entity's legacy records come from. Exactly one of {@code table}, {@code query} or
 * {@code document} (the records of a JSON-lines source) is set.
 *
 * @param partition legacy field naming the user (defaults to the plan's partition)
 * @param explode   a wildcard path: each element becomes one record, e.g. {@code state.personas[*]}
 * @param latest    keep only the user's row with the greatest value of this field
 * @param orderBy   order of a user's rows (matters for first/last merges)
 * @param where     only the records (after explode) whose fields equal these values, e.g. one kind of row of
 *                  a table holding several kinds. Not part of the stream: the rows are still read once with the
 *                  other entities of the stream; for unmapped-field detection this entity reads only the
 *                  records it keeps
 */
public record SourceSpec(
        String table,
        String query,
        String document,
        String partition,
        FieldPath explode,
        String latest,
        List<String> orderBy,
        Location at,
        Map<FieldPath, JsonNode> where) {

    public SourceSpec {
        orderBy = List.copyOf(orderBy);
        where = where == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(where));
    }

    /** A source that keeps every record. */
    public SourceSpec(String table, String query, String document, String partition, FieldPath explode, String latest,
                      List<String> orderBy, Location at) {
        this(table, query, document, partition, explode, latest, orderBy, at, Map.of());
    }

    /** Identity of the underlying stream: entities reading the same rows share one read ({@code where} filters after it). */
    public String streamKey() {
        String base = table != null ? "table:" + table : query != null ? "query:" + query : "document:" + document;
        return base + "|partition:" + partition + "|latest:" + latest + "|order:" + orderBy;
    }

    /** A short human label: the table name, the document name, or "query". */
    public String label() {
        if (table != null) {
            return table;
        }
        return document != null ? document : "query";
    }
}
