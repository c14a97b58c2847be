package dev.backfill.db;

import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The target tables as the database defines them: column types (which drive conversion when the
 * plan gives no {@code as:}), checked against the plan before anything runs.
 */
public final class TargetCatalog {

    /** A target column: its conversion type and whether it accepts NULL. */
    public record Column(String name, ColumnType type, boolean nullable) {}

    private final Map<String, Map<String, Column>> byEntity;

    private TargetCatalog(Map<String, Map<String, Column>> byEntity) {
        this.byEntity = byEntity;
    }

    /** Reads every entity's table; fails with one message listing every missing table and column. */
    public static TargetCatalog read(Connection connection, Plan plan) throws SQLException {
        Map<String, Map<String, Column>> byEntity = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Entity entity : plan.entities()) {
            Map<String, Column> columns = columnsOf(connection, entity.into());
            if (columns.isEmpty()) {
                problems.add("entity " + entity.name() + " writes into table " + entity.into()
                        + ", which does not exist in the target (or this user cannot see it)");
                continue;
            }
            for (String column : entity.targetColumns()) {
                if (!columns.containsKey(column)) {
                    problems.add("entity " + entity.name() + ": table " + entity.into() + " has no column " + column
                            + " (it has " + String.join(", ", columns.keySet()) + ")");
                }
            }
            byEntity.put(entity.name(), columns);
        }
        if (!problems.isEmpty()) {
            throw new SQLException("The target database does not match the plan:\n- " + String.join("\n- ", problems)
                    + "\nCreate the target tables (the new schema) before running the plan, or fix the plan.", "42P01");
        }
        return new TargetCatalog(byEntity);
    }

    private static Map<String, Column> columnsOf(Connection connection, String table) throws SQLException {
        String schema = Sql.schemaOf(table);
        String sql = "select a.attname, t.typname, "
                + "format_type(a.atttypid, a.atttypmod) as sql_type, not a.attnotnull as nullable "
                + "from pg_attribute a join pg_type t on t.oid = a.atttypid "
                                + "where a.attrelid = to_regclass(?) and a.attnum > 0 and not a.attisdropped order by a.attnum";
        Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, schema == null ? Sql.quote(table) : Sql.table(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(1);
                    String typeName = rows.getString(2);
                    String sqlType = rows.getString(3);
                    // enums, domains and other types are written as text and cast to their own type
                    Coercion coercion = Coercion.fromPostgresType(typeName).orElse(Coercion.TEXT);
                    columns.put(name, new Column(name, new ColumnType(coercion, sqlType), rows.getBoolean(4)));
                }
            }
        }
        return columns;
    }

    public TargetShape shape() {
        Map<String, Map<String, ColumnType>> types = new LinkedHashMap<>();
        byEntity.forEach((entity, columns) -> {
            Map<String, ColumnType> typed = new LinkedHashMap<>();
            columns.forEach((name, column) -> typed.put(name, column.type()));
            types.put(entity, typed);
        });
        return TargetShape.of(types);
    }

    /** The target's own column types, whatever the plan's {@code as:} says: what parity compares. */
    public TargetShape storedShape() {
        return (entity, column) -> {
            Column known = column(entity.name(), column);
            return known == null ? null : known.type();
        };
    }

    public Column column(String entity, String column) {
        return byEntity.getOrDefault(entity, Map.of()).get(column);
    }
}
