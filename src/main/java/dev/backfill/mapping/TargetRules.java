package dev.backfill.mapping;

import dev.backfill.plan.Entity;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the target's own constraints refuse, so the dry run can say so before anything is approved:
 * NOT NULL columns, primary keys and unique constraints, and btree indexes (whose entries have a
 * size limit). Read from the target's catalog by the engine; empty when there is no target to ask.
 */
public record TargetRules(Map<String, EntityRules> byEntity) {

    /** The largest text a btree index entry takes: 2,704 bytes per entry (8 kB pages), less the entry's own headers. */
    public static final int INDEX_ENTRY_BYTES = 2_688;

    public static final TargetRules NONE = new TargetRules(Map.of());

    /** A primary key or unique constraint (or unique index), by name, over these columns. */
    public record UniqueKey(String name, List<String> columns, boolean primaryKey) {}

    /**
     * A CHECK constraint: its name, its expression as the catalog prints it (columns unqualified), and the
     * columns it reads with their SQL types. Only the database can evaluate it: the engine does, per chunk.
     */
    public record Check(String name, String expression, List<String> columns, List<String> sqlTypes) {
        public Check {
            columns = List.copyOf(columns);
            sqlTypes = List.copyOf(sqlTypes);
        }

        /** Whether the plan writes every column the check reads (otherwise the column's default decides, and it is not predicted). */
        public boolean predictable(Entity entity) {
            return entity.targetColumns().containsAll(columns);
        }
    }

    /** One entity's table: its NOT NULL columns, unique keys, btree-indexed columns (index name → columns) and CHECK constraints. */
    public record EntityRules(Set<String> notNull, List<UniqueKey> uniqueKeys, Map<String, List<String>> btreeIndexes,
                              List<Check> checks) {}

    public TargetRules {
        byEntity = Map.copyOf(byEntity);
    }

    public EntityRules of(Entity entity) {
        return byEntity.getOrDefault(entity.name(), new EntityRules(Set.of(), List.of(), Map.of(), List.of()));
    }

    /**
     * Checks one user's candidate rows against the table's rules: a row with no value for a NOT NULL
     * column, a text value too long for a btree index, or a second row of the user with the same value
     * of a unique key, is not migrated, with a finding that names the rule. Returns the rows that pass.
     */
    List<PlannedRow> check(Entity entity, String user, List<PlannedRow> candidates, List<Finding> findings) {
        EntityRules rules = of(entity);
        if (rules.notNull().isEmpty() && rules.uniqueKeys().isEmpty() && rules.btreeIndexes().isEmpty()) {
            return candidates;
        }
        List<PlannedRow> kept = new ArrayList<>(candidates.size());
        Map<String, Set<List<Object>>> seen = new java.util.HashMap<>();
        for (PlannedRow row : candidates) {
            Finding refused = refusal(entity, user, rules, row, seen);
            if (refused == null) {
                kept.add(row);
            } else {
                findings.add(refused);
            }
        }
        return kept;
    }

    private static Finding refusal(Entity entity, String user, EntityRules rules, PlannedRow row, Map<String, Set<List<Object>>> seen) {
        for (String column : entity.targetColumns()) {
            if (rules.notNull().contains(column) && row.value(column) == null) {
                return new Finding(user, entity.name(), FindingKind.MISSING_REQUIRED, column, List.of(), null, row.legacyIds(),
                        entity.into() + "." + column + " is NOT NULL in the target, and this " + entity.name() + " row (legacy id "
                                + row.legacyIdText() + ") has no value for it (a finding above says why, if the legacy value could"
                                + " not be converted); the row is not migrated. Give it a value in the source, or a default in the plan");
            }
        }
        for (Map.Entry<String, List<String>> index : rules.btreeIndexes().entrySet()) {
            for (String column : index.getValue()) {
                int columnAt = entity.position(column);
                Object value = columnAt < 0 ? null : row.values().get(columnAt);
                int bytes = value instanceof String text ? Utf8Length.of(text) : 0;
                if (bytes > INDEX_ENTRY_BYTES) {
                    return new Finding(user, entity.name(), FindingKind.INVALID_VALUE, column,
                            List.of(Json.NODES.textNode(((String) value).substring(0, 80) + "…")), null, row.legacyIds(),
                            entity.into() + "." + column + " is " + String.format("%,d", bytes) + " bytes, and the target's index "
                                    + index.getKey() + " holds at most " + String.format("%,d", INDEX_ENTRY_BYTES) + " per entry:"
                                    + " PostgreSQL would refuse the row at apply (54000 index row size), unless the value compresses"
                                    + " well; the row is not migrated. Shorten it in the source, or drop or change the index");
                }
            }
        }
        for (UniqueKey key : rules.uniqueKeys()) {
            if (key.columns().equals(entity.key())) {
                continue; // rows sharing the natural key are already deduplicated, with their own finding
            }
            List<Object> values = new ArrayList<>(key.columns().size());
            for (String column : key.columns()) {
                int at = entity.position(column);
                values.add(at < 0 ? null : row.values().get(at));
            }
            if (values.contains(null)) {
                continue; // NULLs never collide, and a column the plan does not write (null here) gets its default
            }
            if (!seen.computeIfAbsent(key.name(), k -> new HashSet<>()).add(values)) {
                return new Finding(user, entity.name(), FindingKind.DUPLICATE_KEY, String.join(",", key.columns()),
                        List.of(ValueOps.toJson(values)), null, row.legacyIds(), "(" + String.join(",", key.columns()) + ") = ("
                        + String.join(",", values.stream().map(ValueText::plain).toList()) + ") appears twice among this user's " + entity.name() + " rows, and "
                        + entity.into() + " allows it once (" + (key.primaryKey() ? "primary key " : "unique ") + key.name() + ");"
                        + " the later row (legacy id " + row.legacyIdText() + ") is not migrated");
            }
        }
        return null;
    }

    /**
     * The finding for a row a CHECK constraint refuses ({@code error} null) or cannot evaluate (the
     * database's error: the insert would fail the same way).
     */
    public static Finding checkRefusal(Entity entity, String user, PlannedRow row, Check check, String error) {
        List<Object> values = new ArrayList<>(check.columns().size());
        for (String column : check.columns()) {
            values.add(row.value(column));
        }
        String shown = "(" + String.join(", ", check.columns()) + ") = (" + String.join(", ", values.stream()
                .map(v -> v == null ? "NULL" : ValueText.plain(v)).toList()) + ")";
        String what = error == null ? "fails the target's CHECK constraint " + check.name() + " (" + check.expression() + ") with "
                + shown + ": PostgreSQL would refuse it at apply (23514)"
                : "cannot be checked against " + check.name() + " (" + check.expression() + ") with " + shown + ": " + error;
        return new Finding(user, entity.name(), FindingKind.INVALID_VALUE, String.join(",", check.columns()),
                List.of(ValueOps.toJson(values)), null, row.legacyIds(), "this " + entity.name() + " row (legacy id "
                + row.legacyIdText() + ") " + what + "; the row is not migrated. Fix the value in the source, or change the plan"
                + " or the constraint");
    }

    /**
     * The finding for a row whose id another target row already holds, one its natural key does not
     * match (the live app's, or another plan's): inserting it would fail.
     */
    public static Finding idTaken(Entity entity, String user, PlannedRow row) {
        Object id = row.value(entity.id().column());
        return new Finding(user, entity.name(), FindingKind.EXISTING_TARGET_ROW, entity.id().column(),
                List.of(Json.NODES.textNode(ValueText.plain(id))), null, row.legacyIds(), entity.into() + " already has a row with "
                + entity.id().column() + " " + ValueText.plain(id) + ", and it is not this " + entity.name() + " row (legacy id "
                + row.legacyIdText() + "): its (" + String.join(", ", entity.key()) + ") differs, so it is not matched as the same row."
                + " Inserting this row would fail (23505); it is not migrated. If the existing row is the same thing, make the"
                + " plan's key match it; otherwise remove or re-key one of them");
    }

    /** The UTF-8 length of a text without encoding it. */
    private static final class Utf8Length {
        static int of(String text) {
            int bytes = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x80) {
                    bytes++;
                } else if (c < 0x800) {
                    bytes += 2;
                } else if (Character.isHighSurrogate(c)) {
                    bytes += 4;
                    i++;
                } else {
                    bytes += 3;
                }
            }
            return bytes;
        }
    }
}
