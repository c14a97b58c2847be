package dev.backfill.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** Reads the plan's users for the workbench and the CLI: every user in one streamed read, or one batch's. */
public final class UserStore {
    private final DataSource target;
    private final ControlSchema control;
    private final String plan;

    UserStore(DataSource target, ControlSchema control, String plan) {
        this.target = target;
        this.control = control;
        this.plan = plan;
    }

    /** Every user in partition order, streamed. */
    public void forEach(Consumer<UserView> consumer) throws SQLException {
        read(null, null, consumer);
    }

    public List<UserView> list() throws SQLException {
        List<UserView> users = new ArrayList<>();
        forEach(users::add);
        return users;
    }

    /** The users of one batch. */
    public List<UserView> ofBatch(int batch) throws SQLException {
        List<UserView> users = new ArrayList<>();
        read(batch, null, users::add);
        return users;
    }

    /** The users of one batch an apply held back (failed, source or target changed), each with its reason. */
    public List<UserView> heldBack(int batch) throws SQLException {
        return ofBatch(batch).stream().filter(u -> UserStatus.HELD_BACK.contains(u.status())).toList();
    }

    public Optional<UserView> get(String user) throws SQLException {
        List<UserView> found = new ArrayList<>();
        read(null, user, found::add);
        return found.stream().findFirst();
    }

    private void read(Integer batch, String user, Consumer<UserView> consumer) throws SQLException {
        String sql = "select user_key, position, batch_no, status, legacy_rows, planned_rows, findings, finding_kinds::text, last_error,"
                + " coalesce(waiting_rows, 0), coalesce(waits_for_users, 0) from "
                + control.table("users") + " where plan = ?" + (batch == null ? "" : " and batch_no = ?")
                + (user == null ? "" : " and user_key = ?") + " order by position, user_key";
        Transactions.read(target, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setFetchSize(10_000);
                int parameter = 1;
                statement.setString(parameter++, plan);
                if (batch != null) {
                    statement.setInt(parameter++, batch);
                }
                if (user != null) {
                    statement.setString(parameter, user);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        consumer.accept(new UserView(rows.getString(1), rows.getLong(2), (Integer) rows.getObject(3),
                                UserStatus.of(rows.getString(4)), rows.getInt(5), rows.getInt(6), rows.getInt(7),
                                kinds(rows.getString(8)), rows.getString(9), rows.getInt(10), rows.getInt(11)));
                    }
                }
            }
            return null;
        });
    }

    private static Map<String, Integer> kinds(String json) throws SQLException {
        if (json == null || json.equals("{}")) {
            return Map.of();
        }
        try {
            JsonNode node = Json.parse(json);
            Map<String, Integer> kinds = new LinkedHashMap<>();
            node.properties().iterator().forEachRemaining(e -> kinds.put(e.getKey(), e.getValue().asInt()));
            return kinds;
        } catch (JsonProcessingException e) {
            throw new SQLException("a user's finding counts are not JSON: " + e.getMessage(), e);
        }
    }
}
