package dev.backfill.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * One operator per plan: a PostgreSQL session advisory lock held on a dedicated connection. An
 * operator's command holds it alone (exclusive); the writers of one batch (the applying process after
 * it started the batch, and any {@code backfill worker}) hold it together (shared), so a second
 * operator is refused while any of them writes. If a process dies, the server drops the connection
 * and the lock with it, so a crash never leaves a plan locked.
 */
public final class PlanLock implements AutoCloseable {
    private final Connection connection;
    private final String plan;
    private final ControlSchema control;
    private final int interruptedRuns;
    private volatile boolean shared;

    private PlanLock(Connection connection, String plan, ControlSchema control, int interruptedRuns, boolean shared) {
        this.connection = connection;
        this.plan = plan;
        this.control = control;
        this.interruptedRuns = interruptedRuns;
        this.shared = shared;
    }

    /**
     * Takes the plan's lock, or throws {@link PlanBusyException} naming who holds it. A pooled
     * connection that died meanwhile (server restart, terminated backend) is replaced once.
     */
    static PlanLock acquire(DataSource target, ControlSchema control, String plan, String holder, boolean shared) throws SQLException {
        try {
            return acquireOnce(target, control, plan, holder, shared);
        } catch (SQLException e) {
            if (!dev.backfill.db.Retry.isTransient(e)) {
                throw e;
            }
            return acquireOnce(target, control, plan, holder, shared);
        }
    }

    private static PlanLock acquireOnce(DataSource target, ControlSchema control, String plan, String holder, boolean shared)
            throws SQLException {
        Connection connection = target.getConnection();
        try {
            connection.setAutoCommit(true);
            boolean locked;
            String function = shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock";
            try (PreparedStatement lock = connection.prepareStatement("select " + function + "(hashtext(?), hashtext(?))")) {
                lock.setString(1, "backfill-workbench:" + control.name());
                lock.setString(2, plan);
                try (ResultSet result = lock.executeQuery()) {
                    result.next();
                    locked = result.getBoolean(1);
                }
            }
            if (!locked) {
                String who = describeHolder(connection, control, plan);
                connection.close();
                throw new PlanBusyException("Plan '" + plan + "' is busy: " + who
                        + ". Wait for it to finish (or pause it with 'backfill pause'), then try again.");
            }
            int interrupted = 0;
            if (!shared) {
                // alone on the plan: holders listed by processes that died are stale, and so are their running runs
                try (PreparedStatement stale = connection.prepareStatement("delete from " + control.table("lock_holders")
                        + " where plan = ?")) {
                    stale.setString(1, plan);
                    stale.executeUpdate();
                }
                interrupted = new RunStore(target, control, plan).markInterrupted(connection);
            }
            record(connection, control, plan, holder, shared);
            return new PlanLock(connection, plan, control, interrupted, shared);
        } catch (SQLException | RuntimeException e) {
            if (!connection.isClosed()) {
                connection.close();
            }
            throw e;
        }
    }

    private static void record(Connection connection, ControlSchema control, String plan, String holder, boolean shared)
            throws SQLException {
        try (PreparedStatement record = connection.prepareStatement("insert into " + control.table("lock_holders")
                + " (plan, holder, pid, since, mode) values (?, ?, pg_backend_pid(), now(), ?) on conflict (plan, pid) do update"
                + " set holder = excluded.holder, since = excluded.since, mode = excluded.mode")) {
            record.setString(1, plan);
            record.setString(2, holder);
            record.setString(3, shared ? "shared" : "exclusive");
            record.executeUpdate();
        }
    }

    /** Who holds the lock, from the holders whose sessions are alive (a killed holder's row may linger). */
    private static String describeHolder(Connection connection, ControlSchema control, String plan) throws SQLException {
        String sql = "select h.holder, h.since from " + control.table("lock_holders") + " h where h.plan = ?"
                + " and exists (select 1 from pg_stat_activity a where a.pid = h.pid) order by h.since";
        List<String> holders = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    Timestamp since = result.getTimestamp(2);
                    holders.add(result.getString(1) + " has held it since " + since.toInstant());
                }
            }
        }
        return holders.isEmpty() ? "another process holds its lock" : String.join("; ", holders);
    }

    /**
     * Keeps holding the lock, but shared: the batch this process started may now be written by workers
     * too, while any other operator stays refused.
     */
    public void share(String holder) throws SQLException {
        if (shared) {
            return;
        }
        try (PreparedStatement lock = connection.prepareStatement("select pg_advisory_lock_shared(hashtext(?), hashtext(?))")) {
            lock.setString(1, "backfill-workbench:" + control.name());
            lock.setString(2, plan);
            lock.execute();
        }
        try (PreparedStatement unlock = connection.prepareStatement("select pg_advisory_unlock(hashtext(?), hashtext(?))")) {
            unlock.setString(1, "backfill-workbench:" + control.name());
            unlock.setString(2, plan);
            unlock.execute();
        }
        shared = true;
        record(connection, control, plan, holder, true);
    }

    /** How many runs of the plan were found left running by a process that died, and marked interrupted. */
    public int interruptedRuns() {
        return interruptedRuns;
    }

    /** False once the lock's connection is gone (e.g. killed with pg_terminate_backend): stop writing then. */
    public boolean isHeld() {
        try {
            return connection.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try (connection) {
            if (!connection.isClosed()) {
                try (PreparedStatement forget = connection.prepareStatement("delete from " + control.table("lock_holders")
                        + " where plan = ? and pid = pg_backend_pid()")) {
                    forget.setString(1, plan);
                    forget.executeUpdate();
                }
                String function = shared ? "pg_advisory_unlock_shared" : "pg_advisory_unlock";
                try (PreparedStatement unlock = connection.prepareStatement("select " + function + "(hashtext(?), hashtext(?))")) {
                    unlock.setString(1, "backfill-workbench:" + control.name());
                    unlock.setString(2, plan);
                    unlock.execute();
                }
            }
        } catch (SQLException ignored) {
            // closing the connection releases the lock anyway
        }
    }

}
