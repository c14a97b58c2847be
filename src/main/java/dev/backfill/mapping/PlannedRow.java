package dev.backfill.mapping;

import dev.backfill.plan.Entity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One target row a user's legacy records produce. Values are in {@link Entity#targetColumns()} order.
 *
 * @param update true when the row replaces an existing target row (on_existing: update); its id
 *               columns then hold the existing row's identity
 */
public record PlannedRow(Entity entity, List<String> legacyIds, List<Object> values, boolean update, List<RowRef> refs) {

    public PlannedRow {
        legacyIds = List.copyOf(legacyIds);
        values = Collections.unmodifiableList(new ArrayList<>(values));
        refs = List.copyOf(refs);
    }

    public PlannedRow(Entity entity, List<String> legacyIds, List<Object> values, boolean update) {
        this(entity, legacyIds, values, update, List.of());
    }

    public static PlannedRow of(Entity entity, List<String> legacyIds, Object[] values) {
        return new PlannedRow(entity, legacyIds, Arrays.asList(values), false);
    }

    public static PlannedRow of(Entity entity, List<String> legacyIds, Object[] values, List<RowRef> refs) {
        return new PlannedRow(entity, legacyIds, Arrays.asList(values), false, refs);
    }

    /** Whether the row points at another user's row, so it waits until that row is in the target. */
    public boolean refersToOtherUsers() {
        for (RowRef ref : refs) {
            if (ref.foreign()) {
                return true;
            }
        }
        return false;
    }

    public Object value(String column) {
        int index = entity.position(column);
        if (index < 0) {
            throw new IllegalArgumentException("entity " + entity.name() + " has no column " + column);
        }
        return values.get(index);
    }

    public List<Object> valuesOf(List<String> columns) {
        List<Object> out = new ArrayList<>(columns.size());
        columns.forEach(c -> out.add(value(c)));
        return out;
    }

    public List<Object> naturalKey() {
        return valuesOf(entity.key());
    }

    public List<Object> identity() {
        return valuesOf(entity.identityColumns());
    }

    /** The same row with some columns replaced (e.g. the id of an existing target row) and marked as an update or not. */
    public PlannedRow with(List<String> columns, List<Object> replacement, boolean asUpdate) {
        List<Object> copy = new ArrayList<>(values);
        for (int i = 0; i < columns.size(); i++) {
            copy.set(entity.position(columns.get(i)), replacement.get(i));
        }
        return new PlannedRow(entity, legacyIds, copy, asUpdate, refs);
    }

    /** The same row with other references (e.g. a self-reference settled to its parent's final id). */
    public PlannedRow withRefs(List<String> columns, List<Object> replacement, List<RowRef> newRefs) {
        List<Object> copy = new ArrayList<>(values);
        for (int i = 0; i < columns.size(); i++) {
            copy.set(entity.position(columns.get(i)), replacement.get(i));
        }
        return new PlannedRow(entity, legacyIds, copy, update, newRefs);
    }

    public String legacyIdText() {
        return String.join(", ", legacyIds);
    }
}
