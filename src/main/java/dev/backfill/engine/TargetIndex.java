package dev.backfill.engine;

import dev.backfill.db.Sql;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.ValueText;
import dev.backfill.db.ChecksumSql;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The natural keys of a small target table, held in memory for the dry run, so planned rows are
 * matched against existing ones without a query per chunk. Keys are compared in the exact text
 * forms parity uses ({@code ValueText.hashText} in Java, {@code ChecksumSql} in PostgreSQL).
 */
final class TargetIndex {
    /** Tables with more rows than this are looked up with SQL instead. */
    static final int MAX_ROWS = 100_000;

    private final Map<String, List<Object>> identityByKey;
    private final Map<String, List<Object>> identityById;

    private TargetIndex(Map<String, List<Object>> identityByKey, Map<String, List<Object>> identityById) {
        this.identityByKey = identityByKey;
        this.identityById = identityById;
    }

    /** The index of the table, or null when it has more than {@link #MAX_ROWS} rows. */
    static TargetIndex load(Connection connection, Entity entity, TargetShape shape) throws SQLException {
        String table = Sql.table(entity.into());
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select count(*) from (select 1 from " + table + " limit " + (MAX_ROWS + 1) + ") t")) {
            rows.next();
            if (rows.getLong(1) > MAX_ROWS) {
                return null;
            }
        }
        List<String> key = entity.key();
        List<String> identity = entity.identityColumns();
        StringBuilder sql = new StringBuilder("select ");
        for (String column : key) {
            sql.append(ChecksumSql.columnText("t", column, shape.type(entity, column))).append(", ");
        }
        for (int i = 0; i < identity.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("t.").append(Sql.quote(identity.get(i))).append("::text");
        }
        sql.append(" from ").append(table).append(" t");
        Map<String, List<Object>> index = new HashMap<>();
        Map<String, List<Object>> byId = new HashMap<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql.toString())) {
            while (rows.next()) {
                List<String> keyTexts = new ArrayList<>(key.size());
                for (int i = 0; i < key.size(); i++) {
                    keyTexts.add(rows.getString(i + 1));
                }
                List<Object> values = new ArrayList<>(identity.size());
                for (int i = 0; i < identity.size(); i++) {
                    values.add(TargetLookup.typed(shape.type(entity, identity.get(i)), rows.getString(key.size() + i + 1)));
                }
                if (entity.id() != null && values.get(0) != null) {
                    byId.putIfAbsent(ValueText.plain(values.get(0)), values);
                }
                if (!keyTexts.contains(null)) {
                    index.putIfAbsent(String.join("\u001f", keyTexts), values);
                }
            }
        }
        return new TargetIndex(index, byId);
    }

    boolean isEmpty() {
        return identityByKey.isEmpty() && identityById.isEmpty();
    }

    /** What {@link TargetLookup#find} would find, from the snapshot. */
    TargetMatches find(Entity entity, TargetShape shape, List<PlannedRow> candidates) {
        Map<Integer, List<Object>> found = new HashMap<>();
        Map<Integer, List<Object>> foundById = new HashMap<>();
        List<String> key = entity.key();
        List<Coercion> types = new ArrayList<>(key.size());
        for (String column : key) {
            ColumnType type = shape.type(entity, column);
            types.add(type == null ? Coercion.TEXT : type.coercion());
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (entity.id() != null) {
                Object id = candidates.get(i).value(entity.id().column());
                List<Object> holder = id == null ? null : identityById.get(ValueText.plain(id));
                if (holder != null) {
                    foundById.put(i, holder);
                }
            }
            List<Object> values = candidates.get(i).naturalKey();
            if (values.contains(null)) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (int k = 0; k < values.size(); k++) {
                text.append(k == 0 ? "" : "\u001f").append(ValueText.hashText(values.get(k), types.get(k)));
            }
            List<Object> identity = identityByKey.get(text.toString());
            if (identity != null) {
                found.put(i, identity);
            }
        }
        return new TargetMatches(found, foundById);
    }
}
