package dev.backfill.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One target table's rows and how they are made. Immutable; the lists derived from it (target
 * columns, identity, column positions) are computed once, since mapping asks for them per value.
 */
public final class Entity {
    private final String name;
    private final Location at;
    private final SourceSpec from;
    private final String into;
    private final List<String> key;
    private final OnExisting onExisting;
    private final IdSpec id;
    private final List<String> require;
    private final List<ColumnSpec> columns;
    private final List<String> canonicalOrder;
    private final List<FieldPath> group;
    private final List<FieldPath> unmapped;
    private final boolean shared;
    private final FieldPath legacyId;
    private final List<List<String>> unique;
    private final List<String> targetColumns;
    private final List<String> identityColumns;
    private final Map<String, Integer> positions;
    private final Map<String, ColumnSpec> byName;
    private final List<String> references;

    public enum OnExisting { SKIP, UPDATE }

    /**
     * @param key            natural key (target columns): dedupe within a user and match existing target rows
     * @param group          null for one target row per legacy record; otherwise the legacy fields whose values
     *                       form one group (empty list: all of a user's records become one row)
     * @param canonicalOrder two target columns put in ascending order before dedupe (a pair of references)
     * @param unmapped       JSON fields whose keys must all be read by the plan; others are UNMAPPED_FIELD
     * @param shared         not partitioned by user (a catalog): migrated once, in the shared batch 0
     * @param unique         column sets whose values must be unique across all users (checked by the dry run)
     */
    public Entity(String name, Location at, SourceSpec from, String into, List<String> key, OnExisting onExisting, IdSpec id,
                  List<String> require, List<ColumnSpec> columns, List<String> canonicalOrder, List<FieldPath> group,
                  List<FieldPath> unmapped, boolean shared, FieldPath legacyId, List<List<String>> unique) {
        this.name = name;
        this.at = at;
        this.from = from;
        this.into = into;
        this.key = List.copyOf(key);
        this.onExisting = onExisting;
        this.id = id;
        this.require = List.copyOf(require);
        this.columns = List.copyOf(columns);
        this.canonicalOrder = List.copyOf(canonicalOrder);
        this.group = group == null ? null : List.copyOf(group);
        this.unmapped = List.copyOf(unmapped);
        this.shared = shared;
        this.legacyId = legacyId;
        this.unique = unique.stream().map(List::copyOf).toList();
        List<String> names = new ArrayList<>();
        if (id != null) {
            names.add(id.column());
        }
        this.columns.forEach(c -> names.add(c.name()));
        this.targetColumns = Collections.unmodifiableList(names);
        this.identityColumns = id != null ? List.of(id.column()) : this.key;
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.putIfAbsent(names.get(i), i);
        }
        this.positions = Map.copyOf(index);
        Map<String, ColumnSpec> specs = new HashMap<>();
        this.columns.forEach(c -> specs.putIfAbsent(c.name(), c));
        this.byName = Map.copyOf(specs);
        this.references = this.columns.stream().map(ColumnSpec::ref).filter(Objects::nonNull).distinct().toList();
    }

    public String name() {
        return name;
    }

    public Location at() {
        return at;
    }

    public SourceSpec from() {
        return from;
    }

    public String into() {
        return into;
    }

    public List<String> key() {
        return key;
    }

    public OnExisting onExisting() {
        return onExisting;
    }

    public IdSpec id() {
        return id;
    }

    public List<String> require() {
        return require;
    }

    public List<ColumnSpec> columns() {
        return columns;
    }

    public List<String> canonicalOrder() {
        return canonicalOrder;
    }

    public List<FieldPath> group() {
        return group;
    }

    public List<FieldPath> unmapped() {
        return unmapped;
    }

    public boolean shared() {
        return shared;
    }

    public FieldPath legacyId() {
        return legacyId;
    }

    /** Column sets whose values must not repeat across users. */
    public List<List<String>> unique() {
        return unique;
    }

    public boolean grouped() {
        return group != null;
    }

    public Optional<ColumnSpec> column(String columnName) {
        return Optional.ofNullable(byName.get(columnName));
    }

    /** Target columns written, in plan order: the id column first when the plan names one. */
    public List<String> targetColumns() {
        return targetColumns;
    }

    /** Position of a target column in {@link #targetColumns()}, or -1. */
    public int position(String column) {
        Integer position = positions.get(column);
        return position == null ? -1 : position;
    }

    /** Columns that identify a written row for rollback and parity: the id column, else the natural key. */
    public List<String> identityColumns() {
        return identityColumns;
    }

    /** Entities this one's references point at. */
    public List<String> references() {
        return references;
    }

    @Override
    public String toString() {
        return "Entity[" + name + " -> " + into + "]";
    }
}
