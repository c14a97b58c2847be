package dev.backfill.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.mapping.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** The runs table: one row per dry run, apply or rollback, with who, when, and how it ended. */
public final class RunStore {

    public record Run(long id, RunKind kind, Integer batchNo, String planChecksum, OffsetDateTime startedAt,
                      OffsetDateTime finishedAt, RunStatus status, String osUser, String host, String detailJson) {}

    private final DataSource target;
    private final ControlSchema control;
    private final String plan;

    RunStore(DataSource target, ControlSchema control, String plan) {
        this.target = target;
        this.control = control;
        this.plan = plan;
    }

    /** Records a run as started, in its own transaction (it must outlive a failed run); returns its id. */
    public long start(RunKind kind, Integer batchNo, String checksum, String osUser, String host) throws SQLException {
        String sql = "insert into " + control.table("runs") + " (plan, kind, batch_no, plan_checksum, status, os_user, host)"
                + " values (?, ?, ?, ?, ?, ?, ?) returning run_id";
        return Transactions.inTransaction(target, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, plan);
                statement.setString(2, kind.sql());
                statement.setObject(3, batchNo);
                statement.setString(4, checksum);
                statement.setString(5, RunStatus.RUNNING.sql());
                statement.setString(6, osUser);
                statement.setString(7, host);
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    public void finish(long runId, RunStatus status, JsonNode detail) throws SQLException {
        String sql = "update " + control.table("runs") + " set finished_at = now(), status = ?, detail = ?::jsonb where run_id = ?";
        Transactions.inTransaction(target, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, status.sql());
                statement.setString(2, Json.write(detail));
                statement.setLong(3, runId);
                return statement.executeUpdate();
            }
        });
    }

    /**
     * Runs still marked running while the caller holds the plan's lock died with their process
     * (kill -9, a crash, a lost machine): marks them interrupted. Returns how many.
     */
    int markInterrupted(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("runs") + " set status = ?,"
                + " finished_at = coalesce(finished_at, now()), detail = detail || jsonb_build_object('interrupted',"
                + " 'the process ended without recording how the run ended (killed, crashed or lost its connection)')"
                + " where plan = ? and status = ?")) {
            statement.setString(1, RunStatus.INTERRUPTED.sql());
            statement.setString(2, plan);
            statement.setString(3, RunStatus.RUNNING.sql());
            return statement.executeUpdate();
        }
    }

    public Optional<Run> latest(RunKind kind, RunStatus status) throws SQLException {
        return Transactions.read(target, connection -> latest(connection, kind, status));
    }

    public Optional<Run> latest(Connection connection, RunKind kind, RunStatus status) throws SQLException {
        List<Run> runs = query(connection, " and kind = ? and status = ? order by run_id desc limit 1", kind.sql(), status.sql());
        return runs.isEmpty() ? Optional.empty() : Optional.of(runs.get(0));
    }

    /** The plan's run history, oldest first. */
    public List<Run> all() throws SQLException {
        return Transactions.read(target, connection -> query(connection, " order by run_id"));
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
                    runs.add(new Run(rows.getLong(1), RunKind.of(rows.getString(2)), (Integer) rows.getObject(3), rows.getString(4),
                            rows.getObject(5, OffsetDateTime.class), rows.getObject(6, OffsetDateTime.class),
                            RunStatus.of(rows.getString(7)), rows.getString(8), rows.getString(9), rows.getString(10)));
                }
            }
        }
        return runs;
    }
}
