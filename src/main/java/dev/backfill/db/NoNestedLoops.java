package dev.backfill.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Keeps the planner off nested loops for one whole-table comparison. Right after a bulk apply the
 * ledger's and the target's statistics lag (autovacuum has not analyzed them yet), the planner
 * expects a handful of rows and nests a scan of the target inside a loop over the ledger: minutes
 * instead of seconds. A hash or merge join is right for these queries at any size.
 */
public final class NoNestedLoops implements AutoCloseable {
    private final Connection connection;

    private NoNestedLoops(Connection connection) {
        this.connection = connection;
    }

    public static NoNestedLoops on(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("set enable_nestloop = off");
        }
        return new NoNestedLoops(connection);
    }

    @Override
    public void close() throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("reset enable_nestloop");
        }
    }
}
