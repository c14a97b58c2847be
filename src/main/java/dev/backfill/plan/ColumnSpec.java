package dev.backfill.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How one target column is made. {@code source} says where the raw value comes from; the other
 * fields transform it, in this order: when → value map → case/trim → coercion ({@code as}) →
 * dedupe/sort keys → reference through the id map → default → fallback.
 *
 * @param as         explicit coercion, or null to use the target column's type
 * @param format     a date-time pattern for text timestamps that are in no standard format, or null
 * @param defaultValue used when the value is null or missing, or null for none
 * @param map        value map (legacy text → target value), or empty; a value is looked up as the legacy spells it,
 *                   then (with case/trim) in its normalised form, so one key covers every spelling
 * @param otherwise  what an unmapped value becomes: {@link MapMiss}
 * @param ref        entity whose id map resolves this value, or null
 * @param merge      how grouped rows combine this column, or null (first non-null)
 * @param when       only take the value when this legacy field is true (1, t, true, yes), else null
 * @param fallback   spec used when this one yields null, or null
 */
public record ColumnSpec(
        String name,
        Location at,
        ValueSource source,
        Coercion as,
        String format,
        JsonNode defaultValue,
        Map<String, JsonNode> map,
        MapMiss otherwise,
        String ref,
        OnOrphan onOrphan,
        Merge merge,
        FieldPath when,
        boolean sortKeys,
        String dedupeBy,
        TextCase textCase,
        boolean trim,
        ColumnSpec fallback,
        OnOtherUser onOtherUser) {

    public ColumnSpec {
        map = Map.copyOf(map);
    }

    /** What a value absent from {@code map} becomes. */
    public sealed interface MapMiss {
        /** An INVALID_VALUE finding (the default: a value the plan did not foresee). */
        record Invalid() implements MapMiss {}

        /** The legacy value unchanged. */
        record Keep() implements MapMiss {}

        /** This value. */
        record Value(JsonNode value) implements MapMiss {}
    }

    /** What happens to a row whose reference resolves nowhere. */
    public enum OnOrphan { SKIP_ROW, NULL }

    /**
     * What happens to a row whose reference names another user's row: it waits (is written once that
     * user's row is), or it is never migrated (a finding).
     */
    public enum OnOtherUser { WAIT, SKIP }

    /** How the rows of a group combine one column. */
    public enum Merge { FIRST, LAST, UNION, DEEP }

    public enum TextCase { LOWER, UPPER, SNAKE }

    /** Every legacy path this column (and its fallback) reads. */
    public List<FieldPath> legacyPathsRead() {
        List<FieldPath> paths = new ArrayList<>(source.legacyPathsRead());
        if (when != null) {
            paths.add(when);
        }
        if (fallback != null) {
            paths.addAll(fallback.legacyPathsRead());
        }
        return paths;
    }

    /** Target columns this column is computed from, including through its fallback. */
    public List<String> targetColumnsUsed() {
        List<String> used = new ArrayList<>(source.targetColumnsUsed());
        if (fallback != null) {
            used.addAll(fallback.targetColumnsUsed());
        }
        return used;
    }
}
