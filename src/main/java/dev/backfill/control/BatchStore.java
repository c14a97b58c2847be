package dev.backfill.control;

import dev.backfill.lifecycle.ApprovalValidity;
import dev.backfill.lifecycle.BatchEvent;
import dev.backfill.lifecycle.BatchQueue;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.lifecycle.UserStatus;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The batch queue of a plan in the control schema. Every state change goes through
 * {@link #transition}, which applies {@link BatchState#after} and refuses to move a batch that
 * another writer moved meanwhile.
 */
public final class BatchStore {
    /** Users an approval covers: reviewed, and not held back for a change since. */
    private static final String APPROVABLE = "(" + java.util.Arrays.stream(UserStatus.values()).filter(UserStatus::approvable)
            .map(s -> "'" + s.sql() + "'").collect(Collectors.joining(", ")) + ")";
    private static final String MIGRATED = "'" + UserStatus.MIGRATED.sql() + "'";

    private final ControlSchema control;
    private final String plan;
    private final String planChecksum;

    BatchStore(ControlSchema control, String plan, String planChecksum) {
        this.control = control;
        this.plan = plan;
        this.planChecksum = planChecksum;
    }

    /** The queue with the lifecycle's rules over it, knowing what the reviews were made under. */
    public BatchQueue queue(Connection connection) throws SQLException {
        return new BatchQueue(plan, list(connection), review(connection));
    }

    /** The plan checksum of the latest finished dry run, and per batch the users not migrated reviewed under another. */
    private BatchQueue.Review review(Connection connection) throws SQLException {
        String reviewed = null;
        try (PreparedStatement statement = connection.prepareStatement("select plan_checksum from " + control.table("runs")
                + " where plan = ? and kind = ? and status = ? order by run_id desc limit 1")) {
            statement.setString(1, plan);
            statement.setString(2, RunKind.DRY_RUN.sql());
            statement.setString(3, RunStatus.DONE.sql());
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    reviewed = rows.getString(1);
                }
            }
        }
        // Runs of other plan versions first (a handful), then their users by index: planned as one query, the
        // server misjudged the users not migrated from stale statistics and read every user (0.45 s at 300,000).
        List<Long> staleRuns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("select run_id from " + control.table("runs")
                + " where plan = ? and plan_checksum <> ?")) {
            statement.setString(1, plan);
            statement.setString(2, planChecksum);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    staleRuns.add(rows.getLong(1));
                }
            }
        }
        Map<Integer, Integer> stale = new HashMap<>();
        if (!staleRuns.isEmpty()) {
            try (PreparedStatement statement = connection.prepareStatement("select u.batch_no, count(*) from " + control.table("users")
                    + " u where u.plan = ? and u.dry_run_id = any(?) and u.batch_no is not null and u.status <> " + MIGRATED
                    + " group by u.batch_no")) {
                statement.setString(1, plan);
                statement.setArray(2, connection.createArrayOf("bigint", staleRuns.toArray()));
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        stale.put(rows.getInt(1), rows.getInt(2));
                    }
                }
            }
        }
        return new BatchQueue.Review(reviewed, planChecksum, stale);
    }

    /** The queue in order, with each batch's approval and its users by status. */
    public List<BatchView> list(Connection connection) throws SQLException {
        return query(connection, "", null);
    }

    public Optional<BatchView> get(Connection connection, int number) throws SQLException {
        List<BatchView> found = query(connection, " and b.batch_no = ?", number);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private List<BatchView> query(Connection connection, String condition, Integer number) throws SQLException {
        String sql = "select b.batch_no, b.position, b.state, b.users, b.legacy_rows, b.planned_rows, b.findings,"
                + " a.plan_checksum, a.approved_by, a.approved_at, coalesce(s.migrated, 0), coalesce(s.failed, 0),"
                + " coalesce(s.source_changed, 0), coalesce(s.target_changed, 0), b.pause_requested, b.progress::text from "
                + control.table("batches") + " b"
                + " left join " + control.table("approvals") + " a on a.approval_id = b.approval_id and a.revoked_at is null"
                + " left join (select batch_no, sum(users) filter (where status = " + MIGRATED + ") as migrated,"
                + " sum(users) filter (where status = '" + UserStatus.FAILED.sql() + "') as failed,"
                + " sum(users) filter (where status = '" + UserStatus.SOURCE_CHANGED.sql() + "') as source_changed,"
                + " sum(users) filter (where status = '" + UserStatus.TARGET_CHANGED.sql() + "') as target_changed"
                + " from " + control.table("batch_counts") + " where plan = ? group by batch_no) s on s.batch_no = b.batch_no"
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
                    String approvedChecksum = rows.getString(8);
                    ApprovalValidity validity = approvedChecksum == null ? ApprovalValidity.NONE
                            : approvedChecksum.equals(planChecksum) ? ApprovalValidity.VALID : ApprovalValidity.PLAN_CHANGED;
                    batches.add(new BatchView(rows.getInt(1), rows.getBigDecimal(2), BatchState.valueOf(rows.getString(3)),
                            rows.getInt(4), rows.getInt(5), rows.getInt(6), rows.getInt(7), validity, rows.getString(9),
                            rows.getObject(10, OffsetDateTime.class), rows.getInt(11), rows.getInt(12), rows.getInt(13),
                            rows.getInt(14), rows.getBoolean(15), rows.getString(16)));
                }
            }
        }
        return batches;
    }

    /** The approval a batch is applied under, with who gave it and under which plan checksum. */
    public record Approval(long id, String approvedBy, String planChecksum) {}

    /** The batch's approval in force, if any. */
    public Optional<Approval> approvalOf(Connection connection, int batch) throws SQLException {
        String sql = "select a.approval_id, a.approved_by, a.plan_checksum from " + control.table("batches") + " b join "
                + control.table("approvals") + " a on a.approval_id = b.approval_id and a.revoked_at is null"
                + " where b.plan = ? and b.batch_no = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new Approval(rows.getLong(1), rows.getString(2), rows.getString(3))) : Optional.empty();
            }
        }
    }

    /** True when no user is migrated and no batch was applied, is applying or holds users back: the dry run may number batches itself. */
    public boolean isFresh(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select not exists (select 1 from " + control.table("batches")
                + " where plan = ? and state not in ('PLANNED', 'APPROVED', 'ROLLED_BACK')) and not exists (select 1 from "
                + control.table("users") + " where plan = ? and status = " + MIGRATED + ")")) {
            statement.setString(1, plan);
            statement.setString(2, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    /** After a full dry run of a fresh plan, whose users already carry their batch: the batch rows are formed anew. */
    public void formFresh(Connection connection, List<String> order, int usersPerBatch) throws SQLException {
        String batches = control.table("batches");
        withdrawApprovals(connection, "the dry run was run again");
        if (!order.isEmpty()) {
            // every user's batch at once: counted afresh below, not one user at a time by the trigger
            BatchCounts.withoutCounting(connection, () -> {
                try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users") + " u set batch_no ="
                        + " (o.ord - 1) / ? + 1 from unnest(?::text[]) with ordinality o(user_key, ord) where u.plan = ? and u.user_key = o.user_key")) {
                    statement.setInt(1, usersPerBatch);
                    statement.setArray(2, connection.createArrayOf("text", order.toArray()));
                    statement.setString(3, plan);
                    statement.executeUpdate();
                }
            });
            new BatchCounts(control, plan).recount(connection);
        }
        execute(connection, "delete from " + batches + " where plan = ?");
        execute(connection, "insert into " + batches + " (plan, batch_no, position, state, users, legacy_rows, planned_rows, findings)"
                + " select plan, batch_no, batch_no, 'PLANNED', count(*), sum(legacy_rows), sum(planned_rows), sum(findings) from "
                + control.table("users") + " where plan = ? and batch_no is not null group by plan, batch_no");
    }

    /**
     * The users a full dry run puts in new batches, in partition order: not migrated, not the shared rows,
     * and not in a batch that keeps its users (one with migrated users).
     */
    public List<String> usersToBatch(Connection connection) throws SQLException {
        String users = control.table("users");
        List<String> found = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("select u.user_key from " + users + " u where u.plan = ?"
                + " and u.user_key <> ? and u.status <> " + MIGRATED + " and not exists (select 1 from " + users + " m where m.plan = u.plan"
                + " and m.batch_no = u.batch_no and m.status = " + MIGRATED + ") order by u.position, u.user_key")) {
            statement.setString(1, plan);
            statement.setString(2, DryRunStore.SHARED_USER);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
            }
        }
        return found;
    }

    /**
     * After a full dry run: the review changed, so every approval in force is withdrawn. Batches none of
     * whose users is migrated are dissolved; a batch with migrated users keeps its users and, if it
     * was approved or mid-apply, now holds the others back for a new approval. Every user not in a
     * batch then joins a new one, {@code usersPerBatch} each, in the given order (users it does not name
     * after, in partition order); shared rows form batch 0.
     */
    public void reformAfterDryRun(Connection connection, int usersPerBatch, List<String> order) throws SQLException {
        String batches = control.table("batches");
        String users = control.table("users");
        String hasMigrated = "exists (select 1 from " + users + " u where u.plan = b.plan and u.batch_no = b.batch_no and u.status = "
                + MIGRATED + ")";
        withdrawApprovals(connection, "the dry run was run again");
        for (BatchState from : List.of(BatchState.APPROVED, BatchState.APPLYING)) {
            execute(connection, "update " + batches + " b set state = '" + from.after(BatchEvent.REVIEW_AGAIN) + "', approval_id = null,"
                    + " pause_requested = false, updated_at = now() where b.plan = ? and b.state = '" + from + "' and " + hasMigrated);
        }
        String dissolvable = "b.state in ('PLANNED', 'APPROVED', 'APPLYING', 'ROLLED_BACK') and not " + hasMigrated;
        // many users leave and join batches at once: counted afresh below, not one user at a time by the trigger
        BatchCounts.withoutCounting(connection, () -> {
            execute(connection, "update " + users + " u set batch_no = null where u.plan = ? and u.batch_no in (select b.batch_no from "
                    + batches + " b where b.plan = ? and " + dissolvable + ")", 2);
            execute(connection, "delete from " + batches + " b where b.plan = ? and " + dissolvable);
            execute(connection, "update " + users + " set batch_no = 0 where plan = ? and user_key = '" + DryRunStore.SHARED_USER
                    + "' and batch_no is null");
            String next = "(select coalesce(max(batch_no), 0) from " + batches + " where plan = ?)";
            try (PreparedStatement statement = connection.prepareStatement("with numbered as (select x.user_key,"
                    + " (row_number() over (order by o.ord nulls last, x.position, x.user_key) - 1) / ? as slot from " + users + " x"
                    + " left join unnest(?::text[]) with ordinality o(user_key, ord) on o.user_key = x.user_key"
                    + " where x.plan = ? and x.batch_no is null and x.status <> " + MIGRATED + ")"
                    + " update " + users + " u set batch_no = " + next + " + n.slot + 1 from numbered n where u.plan = ? and u.user_key = n.user_key")) {
                statement.setInt(1, usersPerBatch);
                statement.setArray(2, connection.createArrayOf("text", order.toArray()));
                statement.setString(3, plan);
                statement.setString(4, plan);
                statement.setString(5, plan);
                statement.executeUpdate();
            }
        });
        new BatchCounts(control, plan).recount(connection);
        execute(connection, "insert into " + batches + " (plan, batch_no, position, state, users, legacy_rows, planned_rows, findings)"
                + " select plan, batch_no, batch_no, 'PLANNED', count(*), sum(legacy_rows), sum(planned_rows), sum(findings) from " + users
                + " where plan = ? and batch_no is not null and batch_no not in (select batch_no from " + batches + " where plan = ?)"
                + " group by plan, batch_no", 2);
        settle(connection);
    }

    /**
     * The transitions that follow from the users alone, after users left batches (gone from the
     * source, moved by form-batch): a batch holding no user back is applied, an empty batch that
     * wrote nothing is dropped. Then each batch's counts are recomputed.
     */
    public void settle(Connection connection) throws SQLException {
        settle(connection, null);
    }

    /** {@link #settle(Connection)}, recounting only the batches users left or joined ({@code null}: every batch). */
    private void settle(Connection connection, Set<Integer> touched) throws SQLException {
        String batches = control.table("batches");
        String users = control.table("users");
        execute(connection, "update " + batches + " b set state = '" + BatchState.HELD_BACK.after(BatchEvent.LAST_USERS_SETTLED)
                + "', updated_at = now() where b.plan = ? and b.state = 'HELD_BACK' and not exists (select 1 from " + users
                + " u where u.plan = b.plan and u.batch_no = b.batch_no and u.status <> " + MIGRATED + ")");
        execute(connection, "delete from " + batches + " b where b.plan = ? and b.state in ('PLANNED', 'ROLLED_BACK', 'HELD_BACK')"
                + " and not exists (select 1 from " + users + " u where u.plan = b.plan and u.batch_no = b.batch_no)");
        // a form-batch recounts the batches it touched: recounting every batch read every user
        String only = touched == null ? "" : " and batch_no = any(?)";
        try (PreparedStatement statement = connection.prepareStatement("update " + batches + " b set users = coalesce(s.users, 0),"
                + " legacy_rows = coalesce(s.legacy_rows, 0), planned_rows = coalesce(s.planned_rows, 0), findings = coalesce(s.findings, 0),"
                + " updated_at = now() from " + batches + " b2 left join (select batch_no, count(*) as users, sum(legacy_rows) as legacy_rows,"
                + " sum(planned_rows) as planned_rows, sum(findings) as findings from " + users + " where plan = ?" + only
                + " group by batch_no) s on s.batch_no = b2.batch_no where b.plan = ? and b2.plan = b.plan and b2.batch_no = b.batch_no"
                + (touched == null ? "" : " and b.batch_no = any(?)"))) {
            int i = 1;
            statement.setString(i++, plan);
            if (touched != null) {
                statement.setArray(i++, connection.createArrayOf("integer", touched.toArray()));
            }
            statement.setString(i++, plan);
            if (touched != null) {
                statement.setArray(i, connection.createArrayOf("integer", touched.toArray()));
            }
            statement.executeUpdate();
        }
    }

    /** Locks the plan's batch rows until the caller's transaction ends, so two approvals cannot interleave. */
    public void lockQueue(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select batch_no from " + control.table("batches") + " where plan = ? order by batch_no for update")) {
            statement.setString(1, plan);
            statement.executeQuery().close();
        }
    }

    /**
     * Records an approval of the batch's users not migrated, with the source and target fingerprints
     * the DBA reviewed, and moves the batch to APPROVED. Returns the approval's id and how many users it covers.
     */
    public long[] approve(Connection connection, BatchView batch, String approvedBy, String host) throws SQLException {
        long approvalId;
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("approvals")
                + " (plan, batch_no, approved_by, approved_host, plan_checksum) values (?, ?, ?, ?, ?) returning approval_id")) {
            statement.setString(1, plan);
            statement.setInt(2, batch.number());
            statement.setString(3, approvedBy);
            statement.setString(4, host);
            statement.setString(5, planChecksum);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                approvalId = rows.getLong(1);
            }
        }
        int users;
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("approval_users")
                + " (approval_id, user_key, fingerprint, target_fingerprint) select ?, user_key, fingerprint, target_fingerprint from "
                + control.table("users") + " where plan = ? and batch_no = ? and status in " + APPROVABLE)) {
            statement.setLong(1, approvalId);
            statement.setString(2, plan);
            statement.setInt(3, batch.number());
            users = statement.executeUpdate();
        }
        new BatchCounts(control, plan).moveUsers(connection, UserStatus.APPROVED, false, "batch_no = ? and status in " + APPROVABLE,
                (statement, first) -> {
                    statement.setInt(first, batch.number());
                    return first + 1;
                });
        withdrawApproval(connection, batch.number(), "superseded by approval " + approvalId);
        transition(connection, batch.number(), batch.state(), BatchEvent.APPROVE);
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set approval_id = ?, pause_requested = false where plan = ? and batch_no = ?")) {
            statement.setLong(1, approvalId);
            statement.setString(2, plan);
            statement.setInt(3, batch.number());
            statement.executeUpdate();
        }
        return new long[] {approvalId, users};
    }

    /** Marks the batch's approval withdrawn (a rollback, a new approval or a new review replaces it). */
    public void withdrawApproval(Connection connection, int number, String reason) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("approvals") + " set revoked_at = now(),"
                + " revoked_reason = ? where approval_id = (select approval_id from " + control.table("batches")
                + " where plan = ? and batch_no = ?) and revoked_at is null")) {
            statement.setString(1, reason);
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.executeUpdate();
        }
    }

    private void withdrawApprovals(Connection connection, String reason) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("approvals")
                + " set revoked_at = now(), revoked_reason = ? where revoked_at is null and approval_id in (select approval_id from "
                + control.table("batches") + " where plan = ? and state <> 'APPLIED')")) {
            statement.setString(1, reason);
            statement.setString(2, plan);
            statement.executeUpdate();
        }
    }

    /**
     * Moves a batch on by one lifecycle event, from the state the caller saw. Returns the new state.
     *
     * @throws IllegalStateException when the lifecycle has no such transition, or another writer moved the batch meanwhile
     */
    public BatchState transition(Connection connection, int number, BatchState from, BatchEvent event) throws SQLException {
        BatchState to = from.after(event);
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("batches")
                + " set state = ?, updated_at = now() where plan = ? and batch_no = ? and state = ?")) {
            statement.setString(1, to.name());
            statement.setString(2, plan);
            statement.setInt(3, number);
            statement.setString(4, from.name());
            if (statement.executeUpdate() != 1) {
                throw new IllegalStateException("batch " + number + " of plan '" + plan + "' was not " + from + " any more when "
                        + event.command() + " tried to move it to " + to);
            }
        }
        return to;
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

    /** Whether writers may go on with the batch: it is being applied and nobody asked it to pause. */
    public boolean writable(Connection connection, int number) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select state = 'APPLYING' and not pause_requested from "
                + control.table("batches") + " where plan = ? and batch_no = ?")) {
            statement.setString(1, plan);
            statement.setInt(2, number);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
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

    /** Each named user's status and the state of its batch (null when in none), for form-batch's checks. */
    public record Placement(String user, UserStatus status, Integer batch, BatchState batchState) {}

    public List<Placement> placements(Connection connection, List<String> userKeys) throws SQLException {
        String sql = "select u.user_key, u.status, u.batch_no, b.state from " + control.table("users") + " u left join "
                + control.table("batches") + " b on b.plan = u.plan and b.batch_no = u.batch_no where u.plan = ? and u.user_key = any(?)";
        List<Placement> placements = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", userKeys.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String state = rows.getString(4);
                    placements.add(new Placement(rows.getString(1), UserStatus.of(rows.getString(2)), (Integer) rows.getObject(3),
                            state == null ? null : BatchState.valueOf(state)));
                }
            }
        }
        return placements;
    }

    /**
     * Moves named users into a new batch placed before the next batch awaiting approval (e.g. one user
     * to try first). Returns the new batch's number.
     */
    public int formCustom(Connection connection, List<String> userKeys) throws SQLException {
        int number;
        BigDecimal position;
        try (PreparedStatement statement = connection.prepareStatement("select coalesce(max(batch_no), 0) + 1,"
                + " coalesce(min(position) filter (where state in ('PLANNED', 'ROLLED_BACK', 'HELD_BACK')),"
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
        Set<Integer> touched = new HashSet<>(List.of(number));
        try (PreparedStatement statement = connection.prepareStatement("select distinct batch_no from " + control.table("users")
                + " where plan = ? and user_key = any(?) and batch_no is not null")) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", userKeys.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    touched.add(rows.getInt(1));
                }
            }
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set batch_no = ?, status = case when status = '" + UserStatus.ROLLED_BACK.sql() + "' then '"
                + UserStatus.PLANNED.sql() + "' else status end, updated_at = now() where plan = ? and user_key = any(?)")) {
            statement.setInt(1, number);
            statement.setString(2, plan);
            statement.setArray(3, connection.createArrayOf("text", userKeys.toArray()));
            statement.executeUpdate();
        }
        settle(connection, touched);
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
