package dev.backfill.parity;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;

/**
 * One read-only snapshot of the target shared by two connections, so parity's queries can run side by
 * side and still see one moment: the ledger's totals and the target rows must agree on which applies
 * committed. The first connection exports its snapshot; the second imports it.
 */
final class SharedSnapshot implements AutoCloseable {

    /** Work on the second connection, inside the shared snapshot. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource target;
    private final Connection main;
    private final String snapshot;
    private final ExecutorService helper;

    private SharedSnapshot(DataSource target, Connection main, String snapshot) {
        this.target = target;
        this.main = main;
        this.snapshot = snapshot;
        this.helper = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "backfill-parity-helper");
            thread.setDaemon(true);
            return thread;
        });
    }

    static SharedSnapshot open(DataSource target) throws SQLException {
        Connection main = target.getConnection();
        try {
            begin(main);
            try (Statement statement = main.createStatement(); ResultSet rows = statement.executeQuery("select pg_export_snapshot()")) {
                rows.next();
                return new SharedSnapshot(target, main, rows.getString(1));
            }
        } catch (SQLException | RuntimeException e) {
            end(main);
            throw e;
        }
    }

    Connection connection() {
        return main;
    }

    /** Runs work on the second connection, in the same snapshot, while the caller goes on with {@link #connection()}. */
    <T> Future<T> submit(Work<T> work) {
        Callable<T> task = () -> {
            try (Connection connection = target.getConnection()) {
                begin(connection);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("set transaction snapshot '" + snapshot + "'");
                }
                try {
                    return work.run(connection);
                } finally {
                    end(connection);
                }
            }
        };
        return helper.submit(task);
    }

    static <T> T await(Future<T> future) throws SQLException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while computing parity", "57014", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        helper.shutdownNow();
        end(main);
    }

    private static void begin(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        connection.setReadOnly(true);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    }

    /** Rolls back (nothing was written) and gives the connection back as the pool lent it. */
    private static void end(Connection connection) {
        try (connection) {
            connection.rollback();
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            connection.setReadOnly(false);
            connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // a broken connection: the pool discards it
        }
    }
}
