package dev.backfill.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Keeps the server from starting parallel workers for one statement that looks a few thousand keys up
 * by index. Against a target of 364,000 rows the planner gave such a look-up two workers: 70 ms for
 * 2,000 keys, every time, against 20 ms in the session's own process. Each worker is a new server
 * process, which reads a table's pages slowly the first time it touches them, and an index look-up has
 * nothing to share out.
 */
public final class NoParallelWorkers extends PlannerSettings {

    private NoParallelWorkers(Connection connection) throws SQLException {
        super(connection, List.of(new Setting("max_parallel_workers_per_gather", "0")));
    }

    /** Until {@link #close}: no parallel workers on this connection. */
    public static NoParallelWorkers on(Connection connection) throws SQLException {
        return new NoParallelWorkers(connection);
    }
}
