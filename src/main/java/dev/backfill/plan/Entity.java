package dev.backfill.plan;

import java.util.List;
import java.util.Optional;

/**
 * One target table's rows and how they are made.
 *
 * @param key         natural key (target columns): dedupe within a user and match existing target rows
 * @param group       null for one target row per legacy record; otherwise the legacy fields whose values
 *                    form one group (empty list: all of a user's records become one row)
 * @param canonicalOrder two target columns put in ascending order before dedupe (a pair of references)
 * @param unmapped    JSON fields whose keys must all be read by the plan; others are UNMAPPED_FIELD
 * @param shared      not partitioned by user (a catalog): migrated once, in the shared batch 0
 */
public record Entity(
        String name,
        Location at,
        SourceSpec from,
        String into,
        List<String> key,
        OnExisting onExisting,
        IdSpec id,
        List<String> require,
        List<ColumnSpec> columns,
        List<String> canonicalOrder,
        List<FieldPath> group,
        List<FieldPath> unmapped,
        boolean shared,
        FieldPath legacyId) {

    public Entity {
        key = List.copyOf(key);
        require = List.copyOf(require);
        columns = List.copyOf(columns);
        canonicalOrder = List.copyOf(canonicalOrder);
        group = group == null ? null : List.copyOf(group);
        unmapped = List.copyOf(unmapped);
    }

    public enum OnExisting { SKIP, UPDATE }

    public boolean grouped() {
        return group != null;
    }

    public Optional<ColumnSpec> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    /** Target columns written, in plan order: the id column first when the plan names one. */
    public List<String> targetColumns() {
        java.util.List<String> names = new java.util.ArrayList<>();
        if (id != null) {
            names.add(id.column());
        }
        columns.forEach(c -> names.add(c.name()));
        return names;
    }

    /** Columns that identify a written row for rollback and parity: the id column, else the natural key. */
    public List<String> identityColumns() {
        return id != null ? List.of(id.column()) : key;
    }

    /** Entities this one's references point at. */
    public List<String> references() {
        return columns.stream().map(ColumnSpec::ref).filter(java.util.Objects::nonNull).distinct().toList();
    }
}
