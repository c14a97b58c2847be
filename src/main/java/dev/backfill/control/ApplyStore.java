package dev.backfill.control;

import dev.backfill.mapping.Finding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What apply reads and writes about users in the control schema. */
public final class ApplyStore {
    private final ControlSchema control;
    private final String plan;

    /** The approval a batch is applied under. */
    public record Approval(long id, String approvedBy, String planChecksum, boolean revoked) {}

    /** One ledger row: the rows one user's apply wrote into one table. */
    public record LedgerEntry(String user, String entity, String table, int seq, String op, String rowKeysJson,
                              String beforeImagesJson, int rowCount, java.math.BigInteger checksum) {}

    public ApplyStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    public Approval approvalOf(Connection connection, int batch) throws SQLException {
        String sql = "select a.approval_id, a.approved_by, a.plan_checksum, a.revoked_at is not null from " + control.table("batches")
                + " b join " + control.table("approvals") + " a on a.approval_id = b.approval_id where b.plan = ? and b.batch_no = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? new Approval(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getBoolean(4)) : null;
            }
        }
    }

    /** Users of the batch still to apply under this approval, with the fingerprint each was approved with, in partition order. */
    public Map<String, String> pendingUsers(Connection connection, int batch, long approvalId) throws SQLException {
        String sql = "select u.user_key, au.fingerprint from " + control.table("users") + " u join " + control.table("approval_users")
                + " au on au.user_key = u.user_key and au.approval_id = ? where u.plan = ? and u.batch_no = ? and u.status = 'approved'"
                + " order by u.position, u.user_key";
        Map<String, String> pending = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, approvalId);
            statement.setString(2, plan);
            statement.setInt(3, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    pending.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return pending;
    }

    /**
     * Of these users, the ones already migrated (e.g. by a commit whose acknowledgement was lost).
     * Locks the users' rows until the caller's transaction ends, so two writers can never both
     * decide a user is still to do.
     */
    public Set<String> migrated(Connection connection, List<String> users) throws SQLException {
        Set<String> done = new HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement("select user_key, status from " + control.table("users")
                + " where plan = ? and user_key = any(?) order by user_key for update")) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", users.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    if ("migrated".equals(rows.getString(2))) {
                        done.add(rows.getString(1));
                    }
                }
            }
        }
        return done;
    }

    /** Marks users failed unless another writer migrated them meanwhile. */
    public void markFailed(Connection connection, List<String> users, String error) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set status = 'failed', last_error = ?, updated_at = now() where plan = ? and user_key = any(?) and status <> 'migrated'")) {
            statement.setString(1, error);
            statement.setString(2, plan);
            statement.setArray(3, connection.createArrayOf("text", users.toArray()));
            statement.executeUpdate();
        }
    }

    /**
     * Refreshes the planner's statistics of the ledger and the users table after a batch: a bulk apply
     * outruns autovacuum, and parity and rollback plan their joins from these numbers.
     */
    public void refreshStatistics(Connection connection) throws SQLException {
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.execute("analyze " + control.table("ledger") + ", " + control.table("users"));
        }
    }

    public void writeLedger(Connection connection, long runId, int batch, List<LedgerEntry> entries) throws SQLException {
        try (Copy copy = Copy.into(connection, control.table("ledger"),
                "plan, run_id, batch_no, user_key, entity, target_table, seq, op, row_keys, before_images, row_count, checksum")) {
            for (LedgerEntry e : entries) {
                copy.row(Arrays.asList(plan, runId, batch, e.user(), e.entity(), e.table(), e.seq(), e.op(), e.rowKeysJson(),
                        e.beforeImagesJson(), e.rowCount(), new java.math.BigDecimal(e.checksum())));
            }
            copy.end();
        }
    }

    public void markMigrated(Connection connection, List<String> users) throws SQLException {
        setStatus(connection, users, "migrated", null);
    }

    public void setStatus(Connection connection, List<String> users, String status, String error) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set status = ?, last_error = ?, updated_at = now() where plan = ? and user_key = any(?)")) {
            statement.setString(1, status);
            statement.setString(2, error);
            statement.setString(3, plan);
            statement.setArray(4, connection.createArrayOf("text", users.toArray()));
            statement.executeUpdate();
        }
    }

    /** One outcome row per user; {@code rows} and {@code messages} may hold nulls. */
    public void recordOutcomes(Connection connection, long runId, int batch, String outcome, Map<String, Integer> rowsByUser,
                               Map<String, String> messages) throws SQLException {
        try (Copy copy = Copy.into(connection, control.table("user_outcomes"), "run_id, plan, batch_no, user_key, outcome, rows, message")) {
            for (Map.Entry<String, Integer> user : rowsByUser.entrySet()) {
                copy.row(Arrays.asList(runId, plan, batch, user.getKey(), outcome, user.getValue(), messages.get(user.getKey())));
            }
            copy.end();
        }
    }

    public void recordFindings(Connection connection, long runId, List<Finding> findings) throws SQLException {
        new DryRunStore(control, plan).writeFindings(connection, runId, findings);
    }
}
