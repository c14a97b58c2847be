package dev.backfill.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

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
        String batches = control.table("batches");
        String users = control.table("users");
        execute(connection, "update " + control.table("approvals") + " set revoked_at = now(), revoked_reason = 'the dry run was run again'"
                + " where revoked_at is null and approval_id in (select approval_id from " + batches
                + " where plan = ? and state in ('PLANNED', 'APPROVED', 'ROLLED_BACK'))");
        execute(connection, "update " + users + " u set batch_no = null, status = case when u.status = 'approved' or u.status = 'rolled_back'"
                + " then 'planned' else u.status end where u.plan = ? and u.status <> 'migrated' and (u.batch_no is null or u.batch_no in"
                + " (select batch_no from " + batches + " where plan = ? and state in ('PLANNED', 'APPROVED', 'ROLLED_BACK')))", 2);
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
