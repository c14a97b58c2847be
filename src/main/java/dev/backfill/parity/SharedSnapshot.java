package dev.backfill.parity;

import dev.backfill.db.Transactions;
import dev.backfill.engine.Stage;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Future;
import javax.sql.DataSource;

/**
 * One read-only snapshot of the target shared by two connections, so parity's queries can run side by
 * side and still see one moment: the ledger's totals and the target rows must agree on which applies
 * committed. The first connection exports its snapshot; work on the second imports it.
 */
final class SharedSnapshot implements AutoCloseable {
    private static final String INTERRUPTED = "Parity was interrupted; it writes nothing, so run it again.";
    /** How long the second connection waits for a lock before it leaves its work to the first. */
    static final java.time.Duration HELPER_LOCK_WAIT = java.time.Duration.ofSeconds(1);
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final DataSource target;
    private final Transactions.Snapshot snapshot;
    private final Stage helper = new Stage("backfill-parity-helper", INTERRUPTED);

    private SharedSnapshot(DataSource target, Transactions.Snapshot snapshot) {
        this.target = target;
        this.snapshot = snapshot;
    }

    static SharedSnapshot open(DataSource target) throws SQLException {
        Transactions.Snapshot snapshot = Transactions.exportSnapshot(target);
        try {
            withoutParallelWorkers(snapshot.connection());
        } catch (SQLException | RuntimeException e) {
            snapshot.close();
            throw e;
        }
        return new SharedSnapshot(target, snapshot);
    }

    /**
     * Parity's two connections keep the server's cores busy themselves; parallel workers on top of them only
     * compete for those cores, and each is a new server process that reads its pages slower the first time it
     * touches them. Measured on 1,000,000 target rows: the ledger's totals took 200 ms in one process (once
     * warm) and 340–395 ms with two workers, every time. For this transaction only.
     */
    private static void withoutParallelWorkers(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("set local max_parallel_workers_per_gather = 0");
        }
    }

    Connection connection() {
        return snapshot.connection();
    }

    /**
     * Runs work on the second connection, in the same snapshot, while the caller goes on with {@link #connection()}.
     *
     * <p>On the second connection a lock that takes longer than {@link #HELPER_LOCK_WAIT} fails the statement
     * (SQLSTATE {@value #LOCK_NOT_AVAILABLE}): the work gives up there and the first connection does the rest.
     * Parity's transactions keep a table's share lock to their end, so a session that asks to change that
     * table's definition (ALTER TABLE, VACUUM FULL) waits for the first connection; a read of the second one
     * that comes after that request waits for it in turn, while the first connection waits in this process for
     * that read. The server sees no cycle, and every query of the live app on the table would queue behind the
     * request. The first connection never waits on a lock this way: its own locks are granted again at once.
     */
    <T> Future<T> submit(Transactions.Work<T> work) {
        return helper.submit(() -> Transactions.readInSnapshot(target, snapshot.id(), c -> {
            withoutParallelWorkers(c);
            try (Statement statement = c.createStatement()) {
                statement.execute("set local lock_timeout = '" + HELPER_LOCK_WAIT.toMillis() + "ms'");
            }
            return work.run(c);
        }));
    }

    /** Whether a statement failed for a lock it waited for longer than its lock timeout. */
    static boolean lockWaitedTooLong(SQLException e) {
        return LOCK_NOT_AVAILABLE.equals(e.getSQLState());
    }

    <T> T await(Future<T> future) throws SQLException {
        return helper.await(future);
    }

    @Override
    public void close() {
        helper.close();
        snapshot.close();
    }
}
