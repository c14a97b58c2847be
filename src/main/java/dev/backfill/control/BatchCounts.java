package dev.backfill.control;

import dev.backfill.lifecycle.UserStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;

/**
 * The users per batch and status ({@code batch_counts}). Triggers on {@code users} keep them one
 * changed user at a time (V6); statements that change many users at once would pay that per user, so
 * they run {@link #withoutCounting} and count in the same transaction: afresh ({@link #recount}), by
 * batch for new users ({@link #addPlanned}), or in the statement that sets their status ({@link #moveUsers}).
 */
final class BatchCounts {
    private final ControlSchema control;
    private final String plan;

    BatchCounts(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Statements to run with the per-user counting off. */
    interface Work {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} with the per-user counting triggers off for the rest of the caller's transaction,
     * and on again after it. Local to the transaction: if {@code work} fails, the rollback that follows
     * undoes the setting too, and a pooled connection can never keep it (a session-wide setting, reset
     * in a finally, could: and that reset, failing in the aborted transaction, hid why work failed).
     * Outside a transaction the setting would end with its own statement, and users counted by hand
     * afterwards ({@link #addPlanned}) would be counted twice: refused. Not nested: the end of an inner
     * call would switch the counting on again inside the outer one.
     */
    static void withoutCounting(Connection connection, Work work) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("Counting users per batch by hand needs a transaction: this connection autocommits");
        }
        set(connection, "on");
        work.run();
        set(connection, "off");
    }

    private static void set(Connection connection, String value) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("select set_config('backfill.recount', '" + value + "', true)");
        }
    }

    /** Counts the plan's users per batch and status afresh, from the users themselves. */
    void recount(Connection connection) throws SQLException {
        String counts = control.table("batch_counts");
        try (PreparedStatement delete = connection.prepareStatement("delete from " + counts + " where plan = ?");
             PreparedStatement insert = connection.prepareStatement("insert into " + counts + " (plan, batch_no, status, users)"
                     + " select plan, batch_no, status, count(*) from " + control.table("users") + " where plan = ? and batch_no is not null"
                     + " group by plan, batch_no, status")) {
            delete.setString(1, plan);
            delete.executeUpdate();
            insert.setString(1, plan);
            insert.executeUpdate();
        }
    }

    /** Binds a {@link #moveUsers} condition's parameters from {@code first} on; returns the next parameter's index. */
    interface Binder {
        int bind(PreparedStatement statement, int first) throws SQLException;
    }

    /**
     * Sets the status of the plan's users that match {@code where} (a condition on {@code users}' own
     * columns), and moves them between the counts in the same statement: one upsert per batch and
     * status instead of two per user. The per-user triggers, each updating the same count row again,
     * made a 10,000-user approval walk ever longer chains of that row's versions (about 2.5 s).
     * The users are locked and read as they are when the statement gets them, so a user another
     * transaction changed meanwhile is counted from where that change left it. Returns the users set.
     */
    int moveUsers(Connection connection, UserStatus to, boolean clearError, String where, Binder binder) throws SQLException {
        String users = control.table("users");
        // "was": each user as the statement found and locked it (RETURNING cannot name the old row before PostgreSQL 18)
        String sql = "with was as (select user_key, batch_no, status from " + users + " where plan = ? and (" + where + ") for update),"
                + " moved as (update " + users + " u set status = '" + to.sql() + "'" + (clearError ? ", last_error = null" : "")
                + ", updated_at = now() from was where u.plan = ? and u.user_key = was.user_key"
                + " returning was.batch_no as old_batch, was.status as old_status, u.batch_no, u.status),"
                + " delta as (select old_batch as batch_no, old_status as status, -1 as users from moved"
                + " where old_batch is not null and (old_batch, old_status) is distinct from (batch_no, status)"
                + " union all select batch_no, status, 1 from moved"
                + " where batch_no is not null and (old_batch, old_status) is distinct from (batch_no, status)),"
                + " counted as (insert into " + control.table("batch_counts") + " as c (plan, batch_no, status, users)"
                // in key order: two writers moving users of one batch lock its count rows in the same order, not into a deadlock
                + " select ?, batch_no, status, sum(users) from delta group by batch_no, status order by batch_no, status"
                + " on conflict (plan, batch_no, status) do update set users = c.users + excluded.users)"
                + " select count(*) from moved";
        int[] moved = new int[1];
        withoutCounting(connection, () -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, plan);
                int next = binder.bind(statement, 2);
                statement.setString(next, plan);
                statement.setString(next + 1, plan);
                try (ResultSet result = statement.executeQuery()) {
                    result.next();
                    moved[0] = result.getInt(1);
                }
            }
        });
        return moved[0];
    }

    /** Adds users just inserted as planned, counted per batch by the caller. */
    void addPlanned(Connection connection, Map<Long, Long> usersPerBatch) throws SQLException {
        if (usersPerBatch.isEmpty()) {
            return;
        }
        try (PreparedStatement upsert = connection.prepareStatement("insert into " + control.table("batch_counts")
                + " as c (plan, batch_no, status, users) values (?, ?, '" + UserStatus.PLANNED.sql() + "', ?)"
                + " on conflict (plan, batch_no, status) do update set users = c.users + excluded.users")) {
            for (Map.Entry<Long, Long> batch : new TreeMap<>(usersPerBatch).entrySet()) {
                upsert.setString(1, plan);
                upsert.setInt(2, Math.toIntExact(batch.getKey()));
                upsert.setLong(3, batch.getValue());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }
}
