package dev.backfill.plan;

import java.util.List;

/**
 * Where an entity's legacy records come from. Exactly one of {@code table}, {@code query} or
 * {@code document} (the records of a JSON-lines source) is set.
 *
 * @param partition legacy field naming the user (defaults to the plan's partition)
 * @param explode   a wildcard path: each element becomes one record, e.g. {@code state.personas[*]}
 * @param latest    keep only the user's row with the greatest value of this field
 * @param orderBy   order of a user's rows (matters for first/last merges)
 */
public record SourceSpec(
        String table,
        String query,
        String document,
        String partition,
        FieldPath explode,
        String latest,
        List<String> orderBy,
        Location at) {

    public SourceSpec {
        orderBy = List.copyOf(orderBy);
    }

    /** Identity of the underlying stream: entities reading the same rows share one read. */
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
