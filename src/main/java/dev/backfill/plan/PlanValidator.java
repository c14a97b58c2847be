package dev.backfill.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Cross-checks a read plan (names, references, keys, cycles) and puts entities in dependency order. */
final class PlanValidator {
    private final List<PlanError> errors;

    PlanValidator(List<PlanError> errors) {
        this.errors = errors;
    }

    List<Entity> validate(PlanReader.Draft draft) {
        Map<String, Entity> byName = new LinkedHashMap<>();
        for (Entity entity : draft.entities()) {
            if (entity.name() == null) {
                continue;
            }
            if (byName.containsKey(entity.name())) {
                errors.add(new PlanError(entity.at(), "two entities are named '" + entity.name()
                        + "' (the first on line " + byName.get(entity.name()).at().line() + "); names must be unique"));
                continue;
            }
            byName.put(entity.name(), entity);
        }
        for (Entity entity : byName.values()) {
            validateEntity(entity, byName, draft);
        }
        validateSkips(draft);
        validateChecks(draft, byName);
        return dependencyOrder(byName);
    }

    private void validateEntity(Entity entity, Map<String, Entity> all, PlanReader.Draft draft) {
        Set<String> columns = new LinkedHashSet<>();
        if (entity.id() != null) {
            columns.add(entity.id().column());
        }
        for (ColumnSpec column : entity.columns()) {
            if (!columns.add(column.name())) {
                errors.add(new PlanError(column.at(), "column '" + column.name() + "' is mapped twice: it is also the id column;"
                        + " remove it from columns or give the id another column"));
            }
        }
        for (String keyColumn : entity.key()) {
            requireColumn(entity, columns, keyColumn, "key", entity.at());
        }
        for (String required : entity.require()) {
            requireColumn(entity, columns, required, "require", entity.at());
        }
        for (List<String> set : entity.unique()) {
            if (set.isEmpty()) {
                errors.add(new PlanError(entity.at(), "a 'unique' entry needs at least one column"));
            }
            set.forEach(c -> requireColumn(entity, columns, c, "unique", entity.at()));
        }
        if (!entity.canonicalOrder().isEmpty()) {
            if (entity.canonicalOrder().size() != 2) {
                errors.add(new PlanError(entity.at(), "'order' puts a pair of columns in ascending order; name exactly two"));
            }
            entity.canonicalOrder().forEach(c -> requireColumn(entity, columns, c, "order", entity.at()));
        }
        for (ColumnSpec column : entity.columns()) {
            validateColumn(entity, column, columns, all);
        }
        validateComputedOrder(entity);
        if (entity.from() != null) {
            validateSource(entity, draft);
        }
        if (entity.shared() && entity.references().stream().map(all::get)
                .anyMatch(target -> target != null && !target.shared())) {
            errors.add(new PlanError(entity.at(), "shared entity '" + entity.name()
                    + "' references a per-user entity; shared rows are migrated first, alone, so they can only reference shared entities"));
        }
        if (entity.id() == null && entity.key().isEmpty()) {
            errors.add(new PlanError(entity.at(), "entity '" + entity.name()
                    + "' needs an id or a key so its rows can be found again for rollback"));
        }
    }

    private void validateColumn(Entity entity, ColumnSpec column, Set<String> columns, Map<String, Entity> all) {
        if (column.ref() != null) {
            Entity target = all.get(column.ref());
            if (target == null) {
                errors.add(new PlanError(column.at(), "reference to entity '" + column.ref() + "', which the plan does not define"
                        + YamlFields.suggestion(column.ref(), new ArrayList<>(all.keySet())) + "; entities: " + all.keySet()));
            } else if (target.id() == null) {
                errors.add(new PlanError(column.at(), "reference to entity '" + column.ref()
                        + "', which has no 'id': references resolve legacy ids to new ids through the id map"));
            } else if (target.name().equals(entity.name()) && entity.grouped()) {
                errors.add(new PlanError(column.at(), "entity '" + entity.name() + "' references itself and groups rows;"
                        + " a row made of a group has no single legacy id to be referenced by"));
            } else if (target.shared() && !entity.shared() && column.onOtherUser() == ColumnSpec.OnOtherUser.SKIP) {
                errors.add(new PlanError(column.at(), "'on_other_user: skip' on a reference to shared rows: shared rows belong to"
                        + " no user and are always written first; remove it"));
            }
        }
        if (column.ref() != null && column.onOrphan() == ColumnSpec.OnOrphan.NULL && entity.require().contains(column.name())) {
            errors.add(new PlanError(column.at(), "column '" + column.name() + "' is required, so an orphan reference cannot be"
                    + " written as NULL; use on_orphan: skip (the default) or remove it from require"));
        }
        if (column.merge() != null && !entity.grouped()) {
            errors.add(new PlanError(column.at(), "'merge' combines the rows of a group; entity '" + entity.name()
                    + "' has no 'group'"));
        }
        for (String used : column.targetColumnsUsed()) {
            if (!columns.contains(used)) {
                errors.add(new PlanError(column.at(), "column '" + column.name() + "' is computed from '" + used
                        + "', which is not a column of '" + entity.name() + "'" + YamlFields.suggestion(used, new ArrayList<>(columns))));
            }
        }
        if (column.source() instanceof ValueSource.Count count && !count.path().hasWildcard()) {
            errors.add(new PlanError(column.at(), "'count' needs a path with [*], e.g. chapters[*]"));
        }
        if (column.source() instanceof ValueSource.Sum sum && !sum.path().hasWildcard()) {
            errors.add(new PlanError(column.at(), "'sum' needs a path with [*], e.g. stages[*].cost"));
        }
        if (column.source() instanceof ValueSource.Pack pack && pack.fields().isEmpty()) {
            errors.add(new PlanError(column.at(), "'pack' needs at least one field"));
        }
    }

    private void requireColumn(Entity entity, Set<String> columns, String column, String where, Location at) {
        if (!columns.contains(column)) {
            errors.add(new PlanError(at.child(where, at.line(), at.column()), "'" + column + "' is not a column of entity '"
                    + entity.name() + "'" + YamlFields.suggestion(column, new ArrayList<>(columns)) + "; columns: " + columns));
        }
    }

    private void validateComputedOrder(Entity entity) {
        Map<String, List<String>> uses = new HashMap<>();
        entity.columns().forEach(c -> uses.put(c.name(), c.targetColumnsUsed()));
        Set<String> done = new HashSet<>();
        for (ColumnSpec column : entity.columns()) {
            List<String> cycle = findCycle(column.name(), uses, new ArrayDeque<>(), new HashSet<>(), done);
            if (!cycle.isEmpty()) {
                errors.add(new PlanError(column.at(), "computed columns depend on each other in a cycle: "
                        + String.join(" -> ", cycle)));
                return;
            }
        }
    }

    private void validateSource(Entity entity, PlanReader.Draft draft) {
        SourceSpec from = entity.from();
        ConnectionSpec source = draft.source();
        boolean documents = source instanceof ConnectionSpec.JsonLines;
        if (source != null && documents && (from.table() != null || from.query() != null)) {
            errors.add(new PlanError(from.at(), "the source is a JSON-lines file: read it with 'document: NAME', not table or query"));
        }
        if (source != null && !documents && from.document() != null) {
            errors.add(new PlanError(from.at(), "'document' reads a JSON-lines source; this plan's source is "
                    + source.describe() + ": use table or query"));
        }
        // without the plan's own partition (its missing or misspelt key is reported once), each entity would repeat it
        if (!entity.shared() && from.partition() == null && draft.partition() != null) {
            errors.add(new PlanError(from.at(), "no partition: set the plan's 'partition' or this source's 'partition'"));
        }
        if (!documents && from.partition() != null && !isSimpleName(from.partition())) {
            errors.add(new PlanError(from.at(), "partition '" + from.partition()
                    + "' must be a column name of the " + from.label() + " source"));
        }
        if (!documents && from.latest() != null && !isSimpleName(from.latest())) {
            errors.add(new PlanError(from.at(), "'latest' must be a column name, found '" + from.latest() + "'"));
        }
        if (entity.shared() && from.latest() != null) {
            errors.add(new PlanError(from.at(), "'latest' keeps one row per user; shared entities have no user"));
        }
    }

    private static boolean isSimpleName(String text) {
        return !text.isBlank() && !text.contains(".") && !text.contains("[");
    }

    private void validateSkips(PlanReader.Draft draft) {
        for (SkipSpec skip : draft.skipped()) {
            for (Entity entity : draft.entities()) {
                if (entity.from() != null && skip.table().equals(entity.from().table())) {
                    errors.add(new PlanError(skip.at(), "table '" + skip.table() + "' is skipped here but migrated by entity '"
                            + entity.name() + "' (line " + entity.at().line() + "); remove one"));
                }
            }
        }
    }

    private void validateChecks(PlanReader.Draft draft, Map<String, Entity> all) {
        Set<String> names = new HashSet<>();
        for (CheckSpec check : draft.checks()) {
            if (!names.add(check.name())) {
                errors.add(new PlanError(check.at(), "two checks are named '" + check.name() + "'"));
            }
            if (check.expect() instanceof CheckSpec.Expectation.LegacyTotal total) {
                if (total.entity() == null || !all.containsKey(total.entity())) {
                    errors.add(new PlanError(check.at(), "expect.legacy names entity '" + total.entity()
                            + "', which the plan does not define; entities: " + all.keySet()));
                }
            }
            if (check.expect() instanceof CheckSpec.Expectation.Query query && query.on() == CheckSpec.Side.SOURCE
                    && draft.source() != null && !draft.source().isPostgres() && !(draft.source() instanceof ConnectionSpec.Sqlite)) {
                errors.add(new PlanError(check.at(), "expect.on: source runs SQL on the source, which is a "
                        + draft.source().describe() + "; use expect.legacy instead"));
            }
        }
    }

    /** Kahn's algorithm, stable by declaration order; reports a reference cycle by name. */
    private List<Entity> dependencyOrder(Map<String, Entity> byName) {
        Map<String, List<String>> refs = new LinkedHashMap<>();
        byName.values().forEach(e -> refs.put(e.name(),
                e.references().stream().filter(r -> byName.containsKey(r) && !r.equals(e.name())).toList()));
        Set<String> done = new HashSet<>();
        for (String name : refs.keySet()) {
            List<String> cycle = findCycle(name, refs, new ArrayDeque<>(), new HashSet<>(), done);
            if (!cycle.isEmpty()) {
                Entity first = byName.get(cycle.get(0));
                errors.add(new PlanError(first.at(), "entities reference each other in a cycle: " + String.join(" -> ", cycle)
                        + "; one of them must stop referencing the other"));
                return List.copyOf(byName.values());
            }
        }
        List<Entity> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        while (ordered.size() < byName.size()) {
            for (Entity entity : byName.values()) {
                if (!placed.contains(entity.name()) && placed.containsAll(refs.get(entity.name()))) {
                    ordered.add(entity);
                    placed.add(entity.name());
                    break;
                }
            }
        }
        return ordered;
    }

    private static List<String> findCycle(String node, Map<String, List<String>> edges, Deque<String> path,
                                          Set<String> onPath, Set<String> done) {
        if (done.contains(node)) {
            return List.of();
        }
        if (onPath.contains(node)) {
            List<String> cycle = new ArrayList<>();
            boolean inCycle = false;
            for (String step : (Iterable<String>) path::descendingIterator) {
                inCycle |= step.equals(node);
                if (inCycle) {
                    cycle.add(step);
                }
            }
            cycle.add(node);
            return cycle;
        }
        path.push(node);
        onPath.add(node);
        for (String next : edges.getOrDefault(node, List.of())) {
            List<String> cycle = findCycle(next, edges, path, onPath, done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.pop();
        onPath.remove(node);
        done.add(node);
        return List.of();
    }
}
