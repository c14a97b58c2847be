package dev.backfill.mapping;

import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One user's rows of an entity that reference rows of the same entity (a reply to a comment, a
 * category's parent): once the rows are settled, each reference gets its parent's final id (an
 * existing target row's, when the parent was skipped); a reference to a parent that is not migrated
 * is an orphan; rows that reference each other in a circle are not migrated; and the rows are put
 * parents first.
 */
final class SelfReferences {
    private final Entity entity;
    private final String user;
    private final List<Finding> findings;

    SelfReferences(Entity entity, String user, List<Finding> findings) {
        this.entity = entity;
        this.user = user;
        this.findings = findings;
    }

    /** {@code entityIds}: legacy id → final id of this user's rows (and of skipped ones); rows dropped here leave it. */
    List<PlannedRow> settle(List<PlannedRow> kept, Map<String, Object> entityIds) {
        List<PlannedRow> rows = new ArrayList<>(kept);
        boolean changed = true;
        while (changed) {
            changed = false;
            List<PlannedRow> next = new ArrayList<>(rows.size());
            for (PlannedRow row : rows) {
                PlannedRow settled = settleRow(row, entityIds);
                if (settled == null) {
                    drop(row, entityIds);
                    changed = true;
                } else {
                    next.add(settled);
                }
            }
            rows = next;
            Set<PlannedRow> circular = circular(rows);
            if (!circular.isEmpty()) {
                for (PlannedRow row : circular) {
                    findings.add(new Finding(user, entity.name(), FindingKind.REFERENCE_CYCLE, selfColumns(row).get(0), List.of(),
                            null, row.legacyIds(), entity.name() + " row (legacy id " + row.legacyIdText() + ") is part of a circle of"
                            + " rows referencing each other through " + String.join(", ", selfColumns(row)) + " (each is the other's"
                            + " parent); the rows of the circle are not migrated"));
                    drop(row, entityIds);
                }
                rows = rows.stream().filter(r -> !circular.contains(r)).toList();
                changed = true;
            }
        }
        return parentsFirst(rows);
    }

    private static void drop(PlannedRow row, Map<String, Object> entityIds) {
        row.legacyIds().forEach(entityIds::remove);
    }

    /** The row with its own references pointing at final ids; null when one points at a row that is not migrated and the plan skips such rows. */
    private PlannedRow settleRow(PlannedRow row, Map<String, Object> entityIds) {
        List<String> columns = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        List<RowRef> refs = new ArrayList<>(row.refs().size());
        boolean changed = false;
        for (RowRef ref : row.refs()) {
            if (!isOwnSelfReference(ref)) {
                refs.add(ref);
                continue;
            }
            Object parent = entityIds.get(ref.legacyId());
            if (parent == null) {
                ColumnSpec spec = entity.column(ref.column()).orElseThrow();
                boolean skip = spec.onOrphan() == ColumnSpec.OnOrphan.SKIP_ROW;
                findings.add(new Finding(user, entity.name(), FindingKind.ORPHAN_REFERENCE, ref.column(),
                        List.of(Json.NODES.textNode(ref.legacyId())), null, row.legacyIds(), entity.name() + " row (legacy id "
                        + row.legacyIdText() + ") points at " + entity.name() + " " + ref.legacyId() + " of this user, which is not"
                        + " migrated" + Finding.why(findings, entity.name(), ref.legacyId())
                        + (skip ? "; the row is not migrated" : "; " + ref.column() + " is written as NULL")));
                if (skip) {
                    return null;
                }
                columns.add(ref.column());
                values.add(null);
                changed = true;
                continue;
            }
            if (!parent.equals(ref.id())) {
                columns.add(ref.column());
                values.add(parent);
                changed = true;
            }
            refs.add(new RowRef(ref.column(), ref.entity(), parent, ref.legacyId(), ref.owner(), false));
        }
        return changed || refs.size() != row.refs().size() ? row.withRefs(columns, values, refs) : row;
    }

    private boolean isOwnSelfReference(RowRef ref) {
        return !ref.foreign() && ref.entity().equals(entity.name());
    }

    private List<String> selfColumns(PlannedRow row) {
        return row.refs().stream().filter(this::isOwnSelfReference).map(RowRef::column).distinct().toList();
    }

    /** id → row, for the rows being written. */
    private Map<Object, PlannedRow> byId(List<PlannedRow> rows) {
        Map<Object, PlannedRow> byId = new HashMap<>();
        String idColumn = entity.id().column();
        rows.forEach(r -> byId.put(r.value(idColumn), r));
        return byId;
    }

    /** Parents of a row among the rows being written. */
    private List<PlannedRow> parents(PlannedRow row, Map<Object, PlannedRow> byId) {
        List<PlannedRow> parents = new ArrayList<>(1);
        for (RowRef ref : row.refs()) {
            if (isOwnSelfReference(ref)) {
                PlannedRow parent = byId.get(ref.id());
                if (parent != null && parent != row) {
                    parents.add(parent);
                }
            }
        }
        return parents;
    }

    /** Rows on a circle of references (or referencing themselves), found by walking each row's parents. */
    private Set<PlannedRow> circular(List<PlannedRow> rows) {
        Map<Object, PlannedRow> byId = byId(rows);
        Set<PlannedRow> circular = new HashSet<>();
        Map<PlannedRow, Integer> state = new HashMap<>(); // 1 on the path, 2 done
        for (PlannedRow start : rows) {
            if (selfPointing(start)) {
                circular.add(start);
            }
            if (state.containsKey(start)) {
                continue;
            }
            List<PlannedRow> path = new ArrayList<>();
            PlannedRow current = start;
            while (current != null && !state.containsKey(current)) {
                state.put(current, 1);
                path.add(current);
                List<PlannedRow> parents = parents(current, byId);
                PlannedRow next = parents.isEmpty() ? null : parents.get(0);
                if (next != null && state.get(next) != null && state.get(next) == 1) {
                    circular.addAll(path.subList(path.indexOf(next), path.size()));
                    next = null;
                }
                current = next;
            }
            path.forEach(r -> state.put(r, 2));
        }
        return circular;
    }

    private boolean selfPointing(PlannedRow row) {
        Object id = row.value(entity.id().column());
        return row.refs().stream().anyMatch(ref -> isOwnSelfReference(ref) && ref.id().equals(id));
    }

    /** The rows ordered so every parent comes before its children (the order they are written in). */
    private List<PlannedRow> parentsFirst(List<PlannedRow> rows) {
        Map<Object, PlannedRow> byId = byId(rows);
        Map<PlannedRow, Boolean> placed = new LinkedHashMap<>();
        for (PlannedRow row : rows) {
            place(row, byId, placed, new HashSet<>());
        }
        return new ArrayList<>(placed.keySet());
    }

    private void place(PlannedRow row, Map<Object, PlannedRow> byId, Map<PlannedRow, Boolean> placed, Set<PlannedRow> visiting) {
        if (placed.containsKey(row) || !visiting.add(row)) {
            return;
        }
        for (PlannedRow parent : parents(row, byId)) {
            place(parent, byId, placed, visiting);
        }
        placed.put(row, Boolean.TRUE);
    }
}
