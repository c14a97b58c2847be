package dev.backfill.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.mapping.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** The runs table: one row per dry run, apply or rollback, with who, when, and how it ended. */
public final class Runs {
    private final ControlSchema control;

    public Runs(ControlSchema control) {
        this.control = control;
    }

    public long start(DataSource target, String plan, String kind, Integer batchNo, String checksum, String osUser, String host)
            throws SQLException {
        String sql = "insert into " + control.table("runs")
                + " (plan, kind, batch_no, plan_checksum, status, os_user, host) values (?, ?, ?, ?, 'running', ?, ?) returning run_id";
        try (Connection connection = target.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setString(2, kind);
            statement.setObject(3, batchNo);
            statement.setString(4, checksum);
            statement.setString(5, osUser);
            statement.setString(6, host);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    public void finish(DataSource target, long runId, String status, JsonNode detail) throws SQLException {
        String sql = "update " + control.table("runs") + " set finished_at = now(), status = ?, detail = ?::jsonb where run_id = ?";
        try (Connection connection = target.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, status);
            statement.setString(2, Json.write(detail));
            statement.setLong(3, runId);
            statement.executeUpdate();
        }
    }
}
