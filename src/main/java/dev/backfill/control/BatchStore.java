package dev.backfill.control;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The batch queue of a plan in the control schema. */
public final class BatchStore {
    private final ControlSchema control;
    private final String plan;

    public BatchStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** The batch being applied or left mid-apply, if any (a dry run must not reshuffle it). */
    public Integer applyingBatch(Connection connection) throws SQLException {
        String sql = "select batch_no from " + control.table("batches") + " where plan = ? and state = 'APPLYING' order by position limit 1";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getInt(1) : null;
            }
        }
    }

    /**
     * After a full dry run: dissolves batches not applied yet (their approvals are revoked, since
     * the reviewed results changed) and forms new ones from every user not migrated and not waiting
     * in a partly applied batch, in partition order, {@code usersPerBatch} each. Shared rows form batch 0.
     */
    public void formAfterDryRun(Connection connection, int usersPerBatch) throws SQLException {
        formAfterDryRun(connection, usersPerBatch, false);
    }

    /** True when no batch was applied, is applying, or waits half-applied: the dry run may number batches itself. */
    public boolean isFresh(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select not exists (select 1 from " + control.table("batches")
                + " where plan = ? and state not in ('PLANNED', 'APPROVED', 'ROLLED_BACK')) and not exists (select 1 from "
                + control.table("users") + " where plan = ? and status = 'migrated')")) {
            statement.setString(1, plan);
            statement.setString(2, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    /**
     * @param numbered the dry run already gave every user its batch (a fresh plan): only the batch
     *                 rows are replaced
     */
    public void formAfterDryRun(Connection connection, int usersPerBatch, boolean numbered) throws SQLException {
        if (numbered) {
            String batches = control.table("batches");
            execute(connection, "update " + control.table("approvals") + " set revoked_at = now(), revoked_reason = 'the dry run was run again'"
                    + " where revoked_at is null and approval_id in (select approval_id from " + batches + " where plan = ?)");
            execute(connection, "delete from " + batches + " where plan = ?");
            execute(connection, "insert into " + batches + " (plan, batch_no, position, state, users, legacy_rows, planned_rows, findings)"
                    + " select plan, batch_no, batch_no, 'PLANNED', count(*), sum(legacy_rows), sum(planned_rows), sum(findings) from "
                    + control.table("users") + " where plan = ? and batch_no is not null group by plan, batch_no");
            return;
        }
        String batches = control.table("batches");
        String users = control.table("users");
        execute(connection, "update " + control.table("approvals") + " set revoked_at = now(), revoked_reason = 'the dry run was run again'"
                + " where revoked_at is null and approval_id in (select approval_id from " + batches
                + " where plan = ? and state in ('PLANNED', 'APPROVED', 'ROLLED_BACK'))");
        execute(connection, "update " + users + " u set batch_no = null, status = case when u.status = 'approved' or u.status = 'rolled_back'"
                + " then 'planned' else u.status end where u.plan = ? and u.status <> 'migrated' and u.batch_no in"
                + " (select batch_no from " + batches + " where plan = ? and state in ('PLANNED', 'APPROVED', 'ROLLED_BACK'))", 2);
        execute(connection, "delete from " + batches + " b where b.plan = ? and b.state in ('PLANNED', 'APPROVED', 'ROLLED_BACK')"
                + " and not exists (select 1 from " + users + " u where u.plan = b.plan and u.batch_no = b.batch_no)");
        execute(connection, "update " + users + " set batch_no = 0 where plan = ? and user_key = '" + DryRunStore.SHARED_USER
                + "' and batch_no is null");
        String next = "(select coalesce(max(batch_no), 0) from " + batches + " where plan = ?)";
        try (PreparedStatement statement = connection.prepareStatement("with numbered as (select user_key,"
                + " (row_number() over (order by position, user_key) - 1) / ? as slot from " + users
                + " where plan = ? and batch_no is null and status <> 'migrated')"
                + " update " + users + " u set batch_no = " + next + " + n.slot + 1 from numbered n where u.plan = ? and u.user_key = n.user_key")) {
            statement.setInt(1, usersPerBatch);
            statement.setString(2, plan);
            statement.setString(3, plan);
            statement.setString(4, plan);
            statement.executeUpdate();
        }
        execute(connection, "insert into " + batches + " (plan, batch_no, position, state, users, legacy_rows, planned_rows, findings)"
                + " select plan, batch_no, batch_no, 'PLANNED', count(*), sum(legacy_rows), sum(planned_rows), sum(findings) from " + users
                + " where plan = ? and batch_no is not null and batch_no not in (select batch_no from " + batches + " where plan = ?)"
                + " group by plan, batch_no", 2);
        refreshCounts(connection);
    }

    /** Recomputes each batch's user, row and finding counts from its users. */
    public void refreshCounts(Connection connection) throws SQLException {
        execute(connection, "update " + control.table("batches") + " b set users = s.users, legacy_rows = s.legacy_rows,"
                + " planned_rows = s.planned_rows, findings = s.findings, updated_at = now() from (select batch_no, count(*) as users,"
                + " sum(legacy_rows) as legacy_rows, sum(planned_rows) as planned_rows, sum(findings) as findings from "
                + control.table("users") + " where plan = ? group by batch_no) s where b.plan = ? and b.batch_no = s.batch_no", 2);
    }

    /** The queue in order, with each batch's approval and how many of its users are done. */
    public List<BatchView> list(Connection connection) throws SQLException {
        return query(connection, "", null);
    }

    public Optional<BatchView> get(Connection connection, int number) throws SQLException {
        List<BatchView> found = query(connection, " and b.batch_no = ?", number);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private List<BatchView> query(Connection connection, String condition, Integer number) throws SQLException {
        String sql = "select b.batch_no, b.position, b.state, b.users, b.legacy_rows, b.planned_rows, b.findings,"
                + " a.approved_by, a.approved_at, coalesce(s.migrated, 0), coalesce(s.failed, 0), coalesce(s.changed, 0),"
                + " b.pause_requested, b.progress::text from " + control.table("batches") + " b"
                + " left join " + control.table("approvals") + " a on a.approval_id = b.approval_id and a.revoked_at is null"
                + " left join (select batch_no, count(*) filter (where status = 'migrated') as migrated,"
                + " count(*) filter (where status = 'failed') as failed, count(*) filter (where status = 'source_changed') as changed"
                + " from " + control.table("users") + " where plan = ? group by batch_no) s on s.batch_no = b.batch_no"
                + " where b.plan = ?" + condition + " order by b.position, b.batch_no";
        List<BatchView> batches = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setString(2, plan);
            if (number != null) {
                statement.setInt(3, number);
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    batches.add(new BatchView(rows.getInt(1), rows.getBigDecimal(2), BatchState.valueOf(rows.getString(3)),
                            rows.getInt(4), rows.getInt(5), rows.getInt(6), rows.getInt(7), rows.getString(8),
                            rows.getObject(9, OffsetDateTime.class), rows.getInt(10), rows.getInt(11), rows.getInt(12),
                            rows.getBoolean(13), rows.getString(14)));
                }
            }
        }
        return batches;
    }

    /** Locks the plan's batch rows until the caller's transaction ends, so two approvals cannot interleave. */
    public void lockQueue(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select batch_no from " + control.table("batches") + " where plan = ? for update")) {
            statement.setString(1, plan);
            statement.executeQuery().close();
        }
    }

    /** Records an approval of the batch's users not yet migrated, with the fingerprints the DBA reviewed; returns its id. */
    public long approve(Connection connection, int number, String approvedBy, String host, String planChecksum) throws SQLException {
        long approvalId;
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("approvals")
                + " (plan, batch_no, approved_by, approved_host, plan_checksum) values (?, ?, ?, ?, ?) returning approval_id")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            statement.setString(3, approvedBy);
            statement.setString(4, host);
            statement.setString(5, planChecksum);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                approvalId = rows.getLong(1);
            }
        }
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("approval_users")
                + " (approval_id, user_key, fingerprint) select ?, user_key, fingerprint from " + control.table("users")
                + " where plan = ? and batch_no = ? and status <> 'migrated'")) {
            statement.setLong(1, approvalId);
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.executeUpdate();
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set status = 'approved', updated_at = now() where plan = ? and batch_no = ? and status <> 'migrated'")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            statement.executeUpdate();
        }
        revokeApproval(connection, number, "superseded by approval " + approvalId);
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set state = 'APPROVED', approval_id = ?, pause_requested = false, updated_at = now() where plan = ? and batch_no = ?")) {
            statement.setLong(1, approvalId);
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.executeUpdate();
        }
        return approvalId;
    }

    /** Marks the batch's current approval revoked (a rollback, a new approval or a new dry run replaces it). */
    public void revokeApproval(Connection connection, int number, String reason) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("approvals") + " set revoked_at = now(),"
                + " revoked_reason = ? where approval_id = (select approval_id from " + control.table("batches")
                + " where plan = ? and batch_no = ?) and revoked_at is null")) {
            statement.setString(1, reason);
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.executeUpdate();
        }
    }

    public void setState(Connection connection, int number, BatchState state) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set state = ?, updated_at = now() where plan = ? and batch_no = ?")) {
            statement.setString(1, state.name());
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.executeUpdate();
        }
    }

    /** Asks a running apply (in any process) to stop after its current users; false when the batch is not applying. */
    public boolean requestPause(Connection connection, int number) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set pause_requested = true, updated_at = now() where plan = ? and batch_no = ? and state = 'APPLYING'")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            return statement.executeUpdate() == 1;
        }
    }

    public boolean pauseRequested(Connection connection, int number) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select pause_requested from " + control.table("batches")
                + " where plan = ? and batch_no = ?")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    public void clearPause(Connection connection, int number) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set pause_requested = false where plan = ? and batch_no = ?")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            statement.executeUpdate();
        }
    }

    public void recordProgress(Connection connection, int number, String progressJson) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set progress = ?::jsonb, updated_at = now() where plan = ? and batch_no = ?")) {
            statement.setString(1, progressJson);
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.executeUpdate();
        }
    }

    /**
     * Moves named users into a new batch placed before the next batch awaiting approval (e.g. one user
     * to try first). Returns the new batch's number.
     */
    public int formCustom(Connection connection, List<String> userKeys) throws SQLException {
        int number;
        BigDecimal position;
        try (PreparedStatement statement = connection.prepareStatement("select coalesce(max(batch_no), 0) + 1,"
                + " coalesce(min(position) filter (where state in ('PLANNED', 'ROLLED_BACK', 'APPLIED_WITH_FAILURES')),"
                + " max(position) + 1, 1) - 0.5 from " + control.table("batches") + " where plan = ?")) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                number = rows.getInt(1);
                position = rows.getBigDecimal(2);
            }
        }
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("batches")
                + " (plan, batch_no, position, state, users, legacy_rows, planned_rows, findings) values (?, ?, ?, 'PLANNED', 0, 0, 0, 0)")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            statement.setBigDecimal(3, position);
            statement.executeUpdate();
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set batch_no = ?, status = 'planned', updated_at = now() where plan = ? and user_key = any(?)")) {
            statement.setInt(1, number);
            statement.setString(2, plan);
            statement.setArray(3, connection.createArrayOf("text", userKeys.toArray()));
            statement.executeUpdate();
        }
        execute(connection, "delete from " + control.table("batches") + " b where b.plan = ? and b.state = 'PLANNED' and not exists"
                + " (select 1 from " + control.table("users") + " u where u.plan = b.plan and u.batch_no = b.batch_no)");
        refreshCounts(connection);
        return number;
    }

    private void execute(Connection connection, String sql) throws SQLException {
        execute(connection, sql, 1);
    }

    private void execute(Connection connection, String sql, int planParameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 1; i <= planParameters; i++) {
                statement.setString(i, plan);
            }
            statement.executeUpdate();
        }
    }
}
