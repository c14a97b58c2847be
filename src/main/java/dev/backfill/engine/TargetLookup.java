package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.backfill.db.NoParallelWorkers;
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
 * Looks candidate rows up in the target, in one query per entity and chunk: by natural key, and by
 * id when the entity has one. The values go over as arrays; PostgreSQL joins them against the
 * table's indexes.
 */
final class TargetLookup {

    private TargetLookup() {}

    static TargetMatches find(Connection connection, Entity entity, TargetShape shape, List<PlannedRow> candidates) throws SQLException {
        List<String> keys = entity.key();
        List<List<String>> keyValues = new ArrayList<>();
        keys.forEach(k -> keyValues.add(new ArrayList<>()));
        List<Integer> keyed = new ArrayList<>();
        List<String> idValues = new ArrayList<>();
        List<Integer> withId = new ArrayList<>();
        boolean byId = entity.id() != null;
        for (int i = 0; i < candidates.size(); i++) {
            PlannedRow candidate = candidates.get(i);
            List<Object> key = candidate.naturalKey();
            if (!key.contains(null)) {
                keyed.add(i);
                for (int k = 0; k < keys.size(); k++) {
                    keyValues.get(k).add(ValueText.plain(key.get(k)));
                }
            }
            Object id = byId ? candidate.value(entity.id().column()) : null;
            if (id != null) {
                withId.add(i);
                idValues.add(ValueText.plain(id));
            }
        }
        if (keyed.isEmpty() && withId.isEmpty()) {
            return TargetMatches.NONE;
        }
        List<String> identity = entity.identityColumns();
        StringBuilder selectIdentity = new StringBuilder();
        identity.forEach(c -> selectIdentity.append(", t.").append(Sql.quote(c)).append("::text"));
        StringBuilder sql = new StringBuilder("select u.ord, true").append(selectIdentity).append(" from unnest(");
        for (int k = 0; k < keys.size(); k++) {
            sql.append(k == 0 ? "" : ", ").append("?::text[]");
        }
        sql.append(") with ordinality as u(");
        for (int k = 0; k < keys.size(); k++) {
            sql.append("k").append(k).append(", ");
        }
        sql.append("ord) join ").append(Sql.table(entity.into())).append(" t on ");
        for (int k = 0; k < keys.size(); k++) {
            sql.append(k == 0 ? "" : " and ").append("t.").append(Sql.quote(keys.get(k))).append(" = u.k").append(k)
                    .append("::").append(sqlType(shape, entity, keys.get(k)));
        }
        if (byId) {
            sql.append(" union all select u.ord, false").append(selectIdentity).append(" from unnest(?::text[]) with ordinality as u(i, ord)")
                    .append(" join ").append(Sql.table(entity.into())).append(" t on t.").append(Sql.quote(entity.id().column()))
                    .append(" = u.i::").append(sqlType(shape, entity, entity.id().column()));
        }
        Map<Integer, List<Object>> foundByKey = new HashMap<>();
        Map<Integer, List<Object>> foundById = new HashMap<>();
        try (NoParallelWorkers ignored = NoParallelWorkers.on(connection);
             PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int k = 0; k < keys.size(); k++) {
                statement.setArray(k + 1, connection.createArrayOf("text", keyValues.get(k).toArray()));
            }
            if (byId) {
                statement.setArray(keys.size() + 1, connection.createArrayOf("text", idValues.toArray()));
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    boolean isKey = rows.getBoolean(2);
                    int candidate = (isKey ? keyed : withId).get(rows.getInt(1) - 1);
                    List<Object> values = new ArrayList<>();
                    for (int c = 0; c < identity.size(); c++) {
                        values.add(typed(shape.type(entity, identity.get(c)), rows.getString(c + 3)));
                    }
                    (isKey ? foundByKey : foundById).putIfAbsent(candidate, values);
                }
            }
        }
        return new TargetMatches(foundByKey, foundById);
    }

    /** A target value read as text, as the planned rows hold it (so both compare and print alike). */
    static Object typed(ColumnType type, String text) {
        Coercer.Result typed = Coercer.coerce(text == null ? null : JsonNodeFactory.instance.textNode(text), type, null);
        return typed instanceof Coercer.Ok ok ? ok.value() : text;
    }

    private static String sqlType(TargetShape shape, Entity entity, String column) {
        ColumnType type = shape.type(entity, column);
        return type == null ? "text" : type.sqlType();
    }

    /** True when the table has no rows at all: then no lookup can find anything. */
    static boolean isEmpty(Connection connection, Entity entity) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select not exists (select 1 from " + Sql.table(entity.into()) + ")");
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getBoolean(1);
        }
    }
}
