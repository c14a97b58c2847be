package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.backfill.db.Sql;
import dev.backfill.mapping.Coercer;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Looks planned rows up in the target by natural key, in one query per entity and chunk: the keys
 * go over as arrays, PostgreSQL joins them against the table (and its index).
 */
final class TargetProbe {

    private TargetProbe() {}

    /** For each candidate index with a target row of the same natural key: that row's identity. */
    static Map<Integer, List<Object>> existing(Connection connection, Entity entity, TargetShape shape,
                                               List<PlannedRow> candidates) throws SQLException {
        Map<Integer, List<Object>> found = new HashMap<>();
        List<Integer> probed = new ArrayList<>();
        List<String> keys = entity.key();
        List<List<String>> columns = new ArrayList<>();
        keys.forEach(k -> columns.add(new ArrayList<>()));
        for (int i = 0; i < candidates.size(); i++) {
            List<Object> key = candidates.get(i).naturalKey();
            if (key.contains(null)) {
                continue;
            }
            probed.add(i);
            for (int k = 0; k < keys.size(); k++) {
                columns.get(k).add(ValueText.plain(key.get(k)));
            }
        }
        if (probed.isEmpty()) {
            return found;
        }
        List<String> identity = entity.identityColumns();
        StringBuilder sql = new StringBuilder("select u.ord");
        identity.forEach(c -> sql.append(", t.").append(Sql.quote(c)).append("::text"));
        sql.append(" from unnest(");
        for (int k = 0; k < keys.size(); k++) {
            sql.append(k == 0 ? "" : ", ").append("?::text[]");
        }
        sql.append(") with ordinality as u(");
        for (int k = 0; k < keys.size(); k++) {
            sql.append("k").append(k).append(", ");
        }
        sql.append("ord) join ").append(Sql.table(entity.into())).append(" t on ");
        for (int k = 0; k < keys.size(); k++) {
            ColumnType type = shape.type(entity, keys.get(k));
            sql.append(k == 0 ? "" : " and ").append("t.").append(Sql.quote(keys.get(k))).append(" = u.k").append(k)
                    .append("::").append(type == null ? "text" : type.sqlType());
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int k = 0; k < keys.size(); k++) {
                statement.setArray(k + 1, connection.createArrayOf("text", columns.get(k).toArray()));
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    int candidate = probed.get(rows.getInt(1) - 1);
                    List<Object> values = new ArrayList<>();
                    for (int c = 0; c < identity.size(); c++) {
                        ColumnType type = shape.type(entity, identity.get(c));
                        String text = rows.getString(c + 2);
                        Coercer.Result typed = Coercer.coerce(text == null ? null : JsonNodeFactory.instance.textNode(text), type, null);
                        values.add(typed instanceof Coercer.Ok ok ? ok.value() : text);
                    }
                    found.putIfAbsent(candidate, values);
                }
            }
        }
        return found;
    }

    /** True when the table has no rows at all: then no probe can find anything. */
    static boolean isEmpty(Connection connection, Entity entity) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select not exists (select 1 from " + Sql.table(entity.into()) + ")");
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getBoolean(1);
        }
    }
}
