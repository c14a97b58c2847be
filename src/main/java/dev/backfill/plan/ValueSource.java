package dev.backfill.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** Where a target column's value comes from: exactly one of these per column. */
public sealed interface ValueSource {

    /** A legacy field, e.g. {@code from: metadata.duration}. */
    record From(FieldPath path) implements ValueSource {}

    /** A constant, e.g. {@code value: ai_decision}. */
    record Constant(JsonNode value) implements ValueSource {}

    /** Several legacy fields packed into one JSON object, keyed by their last name. */
    record Pack(List<FieldPath> fields) implements ValueSource {}

    /** Share (0-100) of the listed target columns that are filled. */
    record Completeness(List<String> columns) implements ValueSource {}

    /** Names of the listed target columns that are empty, as a text array. */
    record Missing(List<String> columns) implements ValueSource {}

    /** How many elements a wildcard path reaches, optionally only those whose fields equal {@code where}. */
    record Count(FieldPath path, Map<String, JsonNode> where) implements ValueSource {}

    /** Sum of the numbers a wildcard path reaches. */
    record Sum(FieldPath path) implements ValueSource {}

    /** Length of an array (or number of keys of an object). */
    record Size(FieldPath path) implements ValueSource {}

    /** {@code round(100 * numerator / denominator)} over two target columns; null when the denominator is 0 or null. */
    record Percent(String numerator, String denominator) implements ValueSource {}

    /** Target columns this value is computed from (empty for legacy-based sources). */
    default List<String> targetColumnsUsed() {
        if (this instanceof Completeness c) {
            return c.columns();
        }
        if (this instanceof Missing m) {
            return m.columns();
        }
        if (this instanceof Percent p) {
            return List.of(p.numerator(), p.denominator());
        }
        return List.of();
    }

    /** Legacy paths this value reads (for unmapped-field detection). */
    default List<FieldPath> legacyPathsRead() {
        if (this instanceof From f) {
            return List.of(f.path());
        }
        if (this instanceof Pack p) {
            return p.fields();
        }
        if (this instanceof Count c) {
            return List.of(c.path());
        }
        if (this instanceof Sum s) {
            return List.of(s.path());
        }
        if (this instanceof Size s) {
            return List.of(s.path());
        }
        return List.of();
    }
}
