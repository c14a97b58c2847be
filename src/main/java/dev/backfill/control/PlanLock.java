package dev.backfill.control;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import javax.sql.DataSource;

/**
 * One writer per plan: a PostgreSQL session advisory lock held on a dedicated connection. If the
 * process dies, the server drops the connection and the lock with it, so a crash never leaves a
 * plan locked.
 */
public final class PlanLock implements AutoCloseable {
    private final Connection connection;
    private final String plan;
    private final ControlSchema control;
    private final int interruptedRuns;

    private PlanLock(Connection connection, String plan, ControlSchema control, int interruptedRuns) {
        this.connection = connection;
        this.plan = plan;
        this.control = control;
        this.interruptedRuns = interruptedRuns;
    }

    /**
     * Takes the plan's lock, or throws {@link PlanBusyException} naming who holds it. A pooled
     * connection that died meanwhile (server restart, terminated backend) is replaced once.
     */
    static PlanLock acquire(DataSource target, ControlSchema control, String plan, String holder) throws SQLException {
        try {
            return acquireOnce(target, control, plan, holder);
        } catch (SQLException e) {
            if (!dev.backfill.db.Retry.isTransient(e)) {
                throw e;
            }
            return acquireOnce(target, control, plan, holder);
        }
    }

    private static PlanLock acquireOnce(DataSource target, ControlSchema control, String plan, String holder) throws SQLException {
        Connection connection = target.getConnection();
        try {
            connection.setAutoCommit(true);
            boolean locked;
            try (PreparedStatement lock = connection.prepareStatement("select pg_try_advisory_lock(hashtext(?), hashtext(?))")) {
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
            try (PreparedStatement record = connection.prepareStatement("insert into " + control.table("lock_holders")
                    + " (plan, holder, pid, since) values (?, ?, pg_backend_pid(), now()) on conflict (plan) do update"
                    + " set holder = excluded.holder, pid = excluded.pid, since = excluded.since")) {
                record.setString(1, plan);
                record.setString(2, holder);
                record.executeUpdate();
            }
            int interrupted = new RunStore(target, control, plan).markInterrupted(connection);
            return new PlanLock(connection, plan, control, interrupted);
        } catch (SQLException | RuntimeException e) {
            if (!connection.isClosed()) {
                connection.close();
            }
            throw e;
        }
    }

    private static String describeHolder(Connection connection, ControlSchema control, String plan) throws SQLException {
        String sql = "select holder, since from " + control.table("lock_holders") + " where plan = ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            try (ResultSet result = statement.executeQuery()) {
                if (result.next()) {
                    Timestamp since = result.getTimestamp(2);
                    return result.getString(1) + " has held it since " + since.toInstant();
                }
            }
        }
        return "another process holds its lock";
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
                try (PreparedStatement unlock = connection.prepareStatement("select pg_advisory_unlock(hashtext(?), hashtext(?))")) {
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
