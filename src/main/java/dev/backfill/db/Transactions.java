package dev.backfill.db;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Every transaction goes through here: autocommit off, commit on success, rollback on any failure,
 * connection state restored in finally.
 */
public final class Transactions {

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private Transactions() {}

    public static <T> T inTransaction(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return inTransaction(connection, work);
        }
    }

    /**
     * A read in one transaction on a connection of its own: streaming reads (a fetch size) need one,
     * and a failed read rolls back instead of committing.
     */
    public static <T> T read(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            // BEGIN READ ONLY; the pool puts the connection back to read-write when it returns
            connection.setReadOnly(true);
            return inTransaction(connection, work);
        }
    }

    /**
     * A read-only transaction kept open for a cursor the caller reads at its own pace (a streamed
     * list); closing it rolls the transaction back (it wrote nothing) and returns the connection.
     */
    public static final class Cursor implements AutoCloseable {
        private final Connection connection;

        private Cursor(Connection connection) {
            this.connection = connection;
        }

        public Connection connection() {
            return connection;
        }

        @Override
        public void close() {
            try (connection) {
                rollbackQuietly(connection, new SQLException("closing a read cursor"));
                restore(connection, true);
            } catch (SQLException ignored) {
                // the connection is broken; the pool will discard it
            }
        }
    }

    public static Cursor cursor(DataSource dataSource) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            connection.setReadOnly(true);
            connection.setAutoCommit(false);
            return new Cursor(connection);
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * A read-only, repeatable-read transaction whose snapshot other connections join with
     * {@link #readInSnapshot}, so reads side by side see one moment. Closing it rolls it back.
     */
    public record Snapshot(Cursor cursor, String id) implements AutoCloseable {
        public Connection connection() {
            return cursor.connection();
        }

        @Override
        public void close() {
            cursor.close();
        }
    }

    public static Snapshot exportSnapshot(DataSource dataSource) throws SQLException {
        Cursor cursor = cursor(dataSource);
        try (java.sql.Statement statement = cursor.connection().createStatement()) {
            statement.execute("set transaction isolation level repeatable read");
            try (java.sql.ResultSet rows = statement.executeQuery("select pg_export_snapshot()")) {
                rows.next();
                return new Snapshot(cursor, rows.getString(1));
            }
        } catch (SQLException | RuntimeException e) {
            cursor.close();
            throw e;
        }
    }

    /** A read on a connection of its own, inside the snapshot another transaction exported. */
    public static <T> T readInSnapshot(DataSource dataSource, String snapshotId, Work<T> work) throws SQLException {
        return read(dataSource, connection -> {
            try (java.sql.Statement statement = connection.createStatement()) {
                statement.execute("set transaction isolation level repeatable read");
                statement.execute("set transaction snapshot '" + snapshotId.replace("'", "''") + "'");
            }
            return work.run(connection);
        });
    }

    public static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            rollbackQuietly(connection, e);
            throw e;
        } finally {
            restore(connection, autoCommit);
        }
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            if (!connection.isClosed()) {
                connection.rollback();
            }
        } catch (SQLException rollbackFailure) {
            cause.addSuppressed(rollbackFailure);
        }
    }

    private static void restore(Connection connection, boolean autoCommit) {
        try {
            if (!connection.isClosed()) {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException ignored) {
            // the connection is broken; the pool will discard it
        }
    }
}
