package dev.backfill.engine;

import dev.backfill.db.Copy;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetRules;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserResult;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plan's {@code unique:} column sets, checked across every user of a dry run: PostgreSQL finds
 * the values more than one user plans to write (in the run's own transaction, in a temporary
 * table); every user after the first, in partition order, gets a DUPLICATE_KEY finding.
 */
final class UniqueCheck {
    private static final String TABLE = "unique_values";

    private final Plan plan;
    private final TargetShape shape;
    private final List<Entity> entities;
    private final Map<String, List<List<String>>> sets = new java.util.HashMap<>();
    /** Each entity's sets' numbers in {@link #TABLE} (parallel to {@link #sets}), and each number's entity and columns. */
    private final Map<String, int[]> setNumbers = new java.util.HashMap<>();
    private final List<String[]> numbered = new ArrayList<>();
    private boolean created;
    private boolean indexed;

    /**
     * The column sets one value of which only one user may plan: the plan's {@code unique} sets, and
     * the target's primary keys and unique constraints that two users' rows could share (not the
     * natural key, which already matches existing rows; not a set holding the user's own id; not a
     * generated id alone; not an id the legacy table's own key keeps apart, {@code sourceUniqueIds}:
     * the entities {@link SourceUniqueIds} names).
     */
    UniqueCheck(Plan plan, TargetShape shape, Set<String> sourceUniqueIds) {
        this.plan = plan;
        this.shape = shape;
        for (Entity entity : plan.entities()) {
            List<List<String>> entitySets = new ArrayList<>(entity.unique());
            for (TargetRules.UniqueKey key : shape.rules().of(entity).uniqueKeys()) {
                if (!key.columns().equals(entity.key()) && !entitySets.contains(key.columns()) && crossUser(entity, key.columns())
                        && !(sourceUniqueIds.contains(entity.name()) && key.columns().equals(List.of(entity.id().column())))) {
                    entitySets.add(key.columns());
                }
            }
            if (!entitySets.isEmpty()) {
                sets.put(entity.name(), entitySets);
                int[] numbers = new int[entitySets.size()];
                for (int i = 0; i < numbers.length; i++) {
                    numbers[i] = numbered.size();
                    numbered.add(new String[] {entity.name(), String.join(",", entitySets.get(i))});
                }
                setNumbers.put(entity.name(), numbers);
            }
        }
        this.entities = plan.entities().stream().filter(e -> sets.containsKey(e.name())).toList();
    }

    /** Whether two users' rows can hold the same value of these columns. */
    private boolean crossUser(Entity entity, List<String> columns) {
        for (String column : columns) {
            if (column.equals(plan.partition()) || entity.column(column).map(c -> c.source() instanceof dev.backfill.plan.ValueSource.From from
                    && from.path().toString().equals(plan.partition())).orElse(false)) {
                return false;
            }
        }
        return !(columns.size() == 1 && entity.id() != null && columns.get(0).equals(entity.id().column())
                && entity.id().strategy() == dev.backfill.plan.IdSpec.Strategy.GENERATE && !entity.id().generateInvalid());
    }

    boolean active() {
        return !entities.isEmpty();
    }

    /** Records the unique values the users plan to write. */
    void collect(Connection connection, List<UserResult> results, Map<String, Long> positions) throws SQLException {
        if (!active()) {
            return;
        }
        if (!created) {
            try (Statement statement = connection.createStatement()) {
                // a set's number, not its entity and columns: a row per planned row is written and sorted, so narrow rows count.
                // Compared in the "C" collation: the check needs equality only (the same in every deterministic collation),
                // and "C" sorts bytes with abbreviated keys, where a libc locale's collation calls strcoll for each comparison
                statement.execute("create temp table " + TABLE + " (set_no int, value text collate \"C\", user_key text collate \"C\","
                        + " position bigint, legacy_ids text[]) on commit drop");
            }
            created = true;
        }
        try (Copy copy = Copy.into(connection, TABLE, "set_no, value, user_key, position, legacy_ids")) {
            for (UserResult result : results) {
                Long position = positions.getOrDefault(result.user(), 0L);
                for (Entity entity : entities) {
                    List<List<String>> entitySets = sets.get(entity.name());
                    int[] numbers = setNumbers.get(entity.name());
                    for (PlannedRow row : result.rowsOf(entity.name())) {
                        for (int i = 0; i < numbers.length; i++) {
                            String value = valueText(entity, row, entitySets.get(i));
                            if (value != null) {
                                copy.row(Arrays.asList(numbers[i], value, result.user(), position, row.legacyIds()));
                            }
                        }
                    }
                }
            }
            copy.end();
        }
    }

    /** Forgets the values these users planned (they are mapped again). */
    void forget(Connection connection, List<String> users) throws SQLException {
        if (!active() || !created || users.isEmpty()) {
            return;
        }
        if (!indexed) {
            // built once all users' values are in, and only for a run that maps users again (one with references
            // between users): without it each chunk scans every value; kept up to date while every value went in,
            // it cost each run
            try (Statement statement = connection.createStatement()) {
                statement.execute("create index on " + TABLE + " (user_key)");
            }
            indexed = true;
        }
        try (PreparedStatement statement = connection.prepareStatement("delete from " + TABLE + " where user_key = any(?)")) {
            statement.setArray(1, connection.createArrayOf("text", users.toArray()));
            statement.executeUpdate();
        }
    }

    private String valueText(Entity entity, PlannedRow row, List<String> set) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < set.size(); i++) {
            Object value = row.value(set.get(i));
            if (value == null) {
                return null; // a NULL never collides with a unique constraint
            }
            ColumnType type = shape.type(entity, set.get(i));
            text.append(i == 0 ? "" : "\u001f").append(ValueText.hashText(value, type == null ? Coercion.TEXT : type.coercion()));
        }
        return text.toString();
    }

    /** The findings for values used by more than one user. */
    List<Finding> findDuplicates(Connection connection) throws SQLException {
        if (!active() || !created) {
            return List.of();
        }
        String sql = "with ranked as (select set_no, value, user_key, legacy_ids, position,"
                + " first_value(user_key) over w as first_user,"
                // PostgreSQL has no count(distinct ...) over a window: more than one user means min and max differ
                + " min(user_key) over v <> max(user_key) over v as several_users"
                + " from " + TABLE + " window w as (partition by set_no, value order by position, user_key),"
                + " v as (partition by set_no, value))"
                + " select set_no, value, user_key, legacy_ids, first_user from ranked where several_users and user_key <> first_user"
                + " order by position";
        List<Finding> findings = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                String[] set = numbered.get(rows.getInt(1));
                String entity = set[0];
                String columns = set[1];
                String value = rows.getString(2).replace('\u001f', ',');
                Array ids = rows.getArray(4);
                findings.add(new Finding(rows.getString(3), entity, FindingKind.DUPLICATE_KEY, columns,
                        List.of(Json.NODES.textNode(value)), null, Arrays.asList((String[]) ids.getArray()),
                        "(" + columns + ") = (" + value + ") is also planned for user " + rows.getString(5) + ", and "
                                + plan.requireEntity(entity).into() + " allows it once (a unique key of the plan or the target): this"
                                + " row fails at apply unless the legacy data is fixed (the first user in partition order keeps it)"));
            }
        }
        return findings;
    }
}
