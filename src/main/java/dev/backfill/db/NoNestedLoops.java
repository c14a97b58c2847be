package dev.backfill.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Keeps the planner off nested loops for one whole-table comparison. Right after a bulk apply the
 * ledger's and the target's statistics lag (autovacuum has not analyzed them yet), the planner
 * expects a handful of rows and nests a scan of the target inside a loop over the ledger: minutes
 * instead of seconds. A hash or merge join is right for these queries at any size.
 */
public final class NoNestedLoops extends PlannerSettings {

    private NoNestedLoops(Connection connection) throws SQLException {
        super(connection, List.of(new Setting("enable_nestloop", "off")));
    }

    public static NoNestedLoops on(Connection connection) throws SQLException {
        return new NoNestedLoops(connection);
    }
}
