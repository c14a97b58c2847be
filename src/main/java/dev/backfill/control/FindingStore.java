package dev.backfill.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.db.Transactions;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** Reads the stored findings of a plan's latest dry run, filtered; counts are computed by the server. */
public final class FindingStore {
    private final DataSource target;
    private final ControlSchema control;
    private final String plan;

    FindingStore(DataSource target, ControlSchema control, String plan) {
        this.target = target;
        this.control = control;
        this.plan = plan;
    }

    private String where(FindingFilter filter, List<Object> parameters) {
        StringBuilder where = new StringBuilder(" where plan = ?");
        parameters.add(plan);
        if (!filter.kinds().isEmpty()) {
            where.append(" and kind = any(?)");
            parameters.add(filter.kinds().stream().map(Enum::name).toArray(String[]::new));
        }
        if (!filter.entities().isEmpty()) {
            where.append(" and entity = any(?)");
            parameters.add(filter.entities().toArray(String[]::new));
        }
        if (filter.field() != null) {
            where.append(" and field = ?");
            parameters.add(filter.field());
        }
        if (filter.user() != null) {
            where.append(" and user_key = ?");
            parameters.add(filter.user());
        }
        return where.toString();
    }

    private static void bind(Connection connection, PreparedStatement statement, List<Object> parameters) throws SQLException {
        for (int i = 0; i < parameters.size(); i++) {
            Object value = parameters.get(i);
            if (value instanceof String[] array) {
                statement.setArray(i + 1, connection.createArrayOf("text", array));
            } else {
                statement.setObject(i + 1, value);
            }
        }
    }

    /** Streams the matching findings in a stable order (user, entity, kind, field, id). */
    public void forEach(FindingFilter filter, Consumer<Finding> consumer) throws SQLException {
        List<Object> parameters = new ArrayList<>();
        String sql = "select user_key, entity, kind, field, found::text, chosen::text, legacy_ids, message from "
                + control.table("findings") + where(filter, parameters) + " order by user_key collate \"C\", entity, kind, field, finding_id";
        Transactions.read(target, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setFetchSize(2_000);
                bind(connection, statement, parameters);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        consumer.accept(read(rows));
                    }
                }
            }
            return null;
        });
    }

    public List<Finding> list(FindingFilter filter) throws SQLException {
        List<Finding> out = new ArrayList<>();
        forEach(filter, out::add);
        return out;
    }

    /** At most {@code limit} findings, in the same order as the full list (for screens). */
    public List<Finding> list(FindingFilter filter, int limit) throws SQLException {
        List<Finding> out = new ArrayList<>();
        try {
            forEach(filter, finding -> {
                if (out.size() >= limit) {
                    throw new Enough();
                }
                out.add(finding);
            });
        } catch (Enough enough) {
            // the screen shows the first ones; the export writes them all
        }
        return out;
    }

    private static final class Enough extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Enough() {
            super(null, null, false, false);
        }
    }

    /** Counts by kind and entity, computed server-side. */
    public Map<FindingKind, Map<String, Integer>> counts(FindingFilter filter) throws SQLException {
        List<Object> parameters = new ArrayList<>();
        String sql = "select kind, entity, count(*) from " + control.table("findings") + where(filter, parameters)
                + " group by kind, entity order by kind, entity";
        Map<FindingKind, Map<String, Integer>> counts = new EnumMap<>(FindingKind.class);
        Transactions.read(target, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                bind(connection, statement, parameters);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        counts.computeIfAbsent(FindingKind.valueOf(rows.getString(1)), k -> new LinkedHashMap<>())
                                .put(rows.getString(2), rows.getInt(3));
                    }
                }
            }
            return null;
        });
        return counts;
    }

    private static Finding read(ResultSet rows) throws SQLException {
        try {
            JsonNode found = Json.parse(rows.getString(5));
            String chosenText = rows.getString(6);
            List<JsonNode> values = new ArrayList<>();
            found.forEach(values::add);
            Array ids = rows.getArray(7);
            List<String> legacyIds = Arrays.asList((String[]) ids.getArray());
            return new Finding(rows.getString(1), rows.getString(2), FindingKind.valueOf(rows.getString(3)), rows.getString(4),
                    values, chosenText == null ? null : Json.parse(chosenText), legacyIds, rows.getString(8));
        } catch (JsonProcessingException e) {
            throw new SQLException("a stored finding is not valid JSON: " + e.getMessage(), e);
        }
    }
}
