package dev.backfill.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads runs back: the latest dry run, the history of a plan. */
public final class RunStore {

    public record Run(long id, String kind, Integer batchNo, String planChecksum, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt, String status, String osUser, String host, String detailJson) {}

    private final ControlSchema control;
    private final String plan;

    public RunStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    public Optional<Run> latest(Connection connection, String kind, String status) throws SQLException {
        List<Run> runs = query(connection, " and kind = ? and status = ? order by run_id desc limit 1", kind, status);
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
    }

    public List<Run> all(Connection connection) throws SQLException {
        return query(connection, " order by run_id");
    }

    private List<Run> query(Connection connection, String tail, String... parameters) throws SQLException {
        String sql = "select run_id, kind, batch_no, plan_checksum, started_at, finished_at, status, os_user, host, detail::text from "
                + control.table("runs") + " where plan = ?" + tail;
        List<Run> runs = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 2, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    runs.add(new Run(rows.getLong(1), rows.getString(2), (Integer) rows.getObject(3), rows.getString(4),
                            rows.getObject(5, OffsetDateTime.class), rows.getObject(6, OffsetDateTime.class), rows.getString(7),
                            rows.getString(8), rows.getString(9), rows.getString(10)));
                }
            }
        }
        return runs;
    }
}
