package dev.backfill.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Keeps the planner on index look-ups for statements that join a batch's ledger keys to a target table,
 * where an index can find each key. The keys come out of {@code jsonb_array_elements}, which the planner
 * expects to yield 100 elements per ledger row (a user's rows of one table: a handful), so on a large table
 * it hashed or merged the whole table instead of looking the keys up: at 1,000,000 users, 8.7 s to check one
 * table of a 95,000-row rollback for drift (a hash of 4 million rows), 22 s as a merge join over the primary
 * key; 36 s for the whole rollback. Apply's read-back of the rows a chunk wrote (its keys come from arrays)
 * hashed the whole of a target table that starts empty and grows, for every chunk, as long as the table
 * looked small next to the chunk's keys. Only where an index can look each key up: without one, a hash
 * join is the right plan, and is left to the planner.
 */
public final class IndexJoins extends PlannerSettings {

    private IndexJoins(Connection connection) throws SQLException {
        super(connection, List.of(new Setting("enable_hashjoin", "off"), new Setting("enable_mergejoin", "off")));
    }

    /** Until {@link #close}: no hash or merge join on this connection, if {@code indexed}; nothing otherwise. */
    public static IndexJoins on(Connection connection, boolean indexed) throws SQLException {
        return new IndexJoins(indexed ? connection : null);
    }
}
