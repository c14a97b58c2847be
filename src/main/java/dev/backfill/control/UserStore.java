package dev.backfill.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.mapping.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Reads the plan's users for the workbench's tables: every user in one streamed query. */
public final class UserStore {
    private final ControlSchema control;
    private final String plan;

    public UserStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    public void forEach(Connection connection, Consumer<UserView> consumer) throws SQLException {
        forEach(connection, null, consumer);
    }

    /** The users of one batch. */
    public List<UserView> ofBatch(Connection connection, int batch) throws SQLException {
        List<UserView> users = new ArrayList<>();
        forEach(connection, batch, users::add);
        return users;
    }

    private void forEach(Connection connection, Integer batch, Consumer<UserView> consumer) throws SQLException {
        String sql = "select user_key, position, batch_no, status, legacy_rows, planned_rows, findings, finding_kinds::text, last_error from "
                + control.table("users") + " where plan = ?" + (batch == null ? "" : " and batch_no = ?") + " order by position, user_key";
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setFetchSize(10_000);
            statement.setString(1, plan);
            if (batch != null) {
                statement.setInt(2, batch);
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    consumer.accept(new UserView(rows.getString(1), rows.getLong(2), (Integer) rows.getObject(3), rows.getString(4),
                            rows.getInt(5), rows.getInt(6), rows.getInt(7), kinds(rows.getString(8)), rows.getString(9)));
                }
            }
        } finally {
            connection.commit();
            connection.setAutoCommit(autoCommit);
        }
    }

    public List<UserView> list(Connection connection) throws SQLException {
        List<UserView> users = new ArrayList<>();
        forEach(connection, users::add);
        return users;
    }

    private static Map<String, Integer> kinds(String json) throws SQLException {
        if (json == null || json.equals("{}")) {
            return Map.of();
        }
        try {
            JsonNode node = Json.parse(json);
            Map<String, Integer> kinds = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> kinds.put(e.getKey(), e.getValue().asInt()));
            return kinds;
        } catch (JsonProcessingException e) {
            throw new SQLException("a user's finding counts are not JSON: " + e.getMessage(), e);
        }
    }
}
