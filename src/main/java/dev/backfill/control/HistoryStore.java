package dev.backfill.control;

import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.UserStatus;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/** What the plan did, for the run report: approvals, each user's outcome per run, and rows a rollback overwrote. */
public final class HistoryStore {

    public record ApprovalRecord(long id, int batch, String approvedBy, String host, OffsetDateTime approvedAt, String planChecksum,
                                 OffsetDateTime revokedAt, String revokedReason, long users) {}

    public record OutcomeRecord(long run, int batch, String user, String outcome, int rows, String message, OffsetDateTime at) {}

    public record OverwrittenRow(long run, int batch, String user, String entity, String table, String keyJson,
                                 List<String> changedColumns, String imageJson, OffsetDateTime savedAt) {}

    /** Streams one record at a time; may throw what writing it throws. */
    @FunctionalInterface
    public interface Sink<T> {
        void accept(T record) throws java.io.IOException;
    }

    private final DataSource target;
    private final ControlSchema control;
    private final String plan;

    HistoryStore(DataSource target, ControlSchema control, String plan) {
        this.target = target;
        this.control = control;
        this.plan = plan;
    }

    /** How many users are in each status. */
    public Map<UserStatus, Long> usersByStatus() throws SQLException {
        Map<UserStatus, Long> counts = new TreeMap<>();
        Transactions.read(target, connection -> {
            try (PreparedStatement statement = connection.prepareStatement("select status, count(*) from " + control.table("users")
                    + " where plan = ? group by status")) {
                statement.setString(1, plan);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        counts.put(UserStatus.of(rows.getString(1)), rows.getLong(2));
                    }
                }
            }
            return null;
        });
        return counts;
    }

    public List<ApprovalRecord> approvals() throws SQLException {
        String sql = "select a.approval_id, a.batch_no, a.approved_by, a.approved_host, a.approved_at, a.plan_checksum, a.revoked_at,"
                + " a.revoked_reason, (select count(*) from " + control.table("approval_users") + " u where u.approval_id = a.approval_id)"
                + " from " + control.table("approvals") + " a where a.plan = ? order by a.approval_id";
        return Transactions.read(target, connection -> {
            List<ApprovalRecord> approvals = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, plan);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        approvals.add(new ApprovalRecord(rows.getLong(1), rows.getInt(2), rows.getString(3), rows.getString(4),
                                rows.getObject(5, OffsetDateTime.class), rows.getString(6), rows.getObject(7, OffsetDateTime.class),
                                rows.getString(8), rows.getLong(9)));
                    }
                }
            }
            return approvals;
        });
    }

    /**
     * Every user outcome of every apply and rollback, run by run in the order they started, by user within
     * a run, streamed. Not by commit time: parallel writers commit a run's chunks in an order that varies.
     */
    public void forEachOutcome(Sink<OutcomeRecord> sink) throws SQLException, java.io.IOException {
        String sql = "select run_id, batch_no, user_key, outcome, rows, message, at from " + control.table("user_outcomes")
                + " where plan = ? order by run_id, user_key collate \"C\", at";
        stream(sql, rows -> new OutcomeRecord(rows.getLong(1), rows.getInt(2), rows.getString(3), rows.getString(4), rows.getInt(5),
                rows.getString(6), rows.getObject(7, OffsetDateTime.class)), sink);
    }

    /** Every row a rollback overwrote on the operator's word, with the content it had, streamed. */
    public void forEachOverwritten(Sink<OverwrittenRow> sink) throws SQLException, java.io.IOException {
        String sql = "select run_id, batch_no, user_key, entity, target_table, row_key::text, changed_columns, image::text, saved_at from "
                + control.table("overwritten_rows") + " where plan = ? order by run_id, batch_no, entity, user_key collate \"C\"";
        stream(sql, rows -> {
            Array changed = rows.getArray(7);
            return new OverwrittenRow(rows.getLong(1), rows.getInt(2), rows.getString(3), rows.getString(4), rows.getString(5),
                    rows.getString(6), Arrays.asList((String[]) changed.getArray()), rows.getString(8), rows.getObject(9, OffsetDateTime.class));
        }, sink);
    }

    private interface RowReader<T> {
        T read(ResultSet rows) throws SQLException;
    }

    private <T> void stream(String sql, RowReader<T> reader, Sink<T> sink) throws SQLException, java.io.IOException {
        try {
            Transactions.read(target, connection -> {
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    statement.setFetchSize(5_000);
                    statement.setString(1, plan);
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            sink.accept(reader.read(rows));
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return null;
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
