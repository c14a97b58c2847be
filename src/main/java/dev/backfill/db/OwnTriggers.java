package dev.backfill.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The triggers a table has of its own, not those PostgreSQL keeps for its foreign keys: they may change
 * what a statement writes, and they run under the session's planner settings.
 */
public final class OwnTriggers {

    private OwnTriggers() {}

    /** SQL that is true where the table whose oid {@code tableOid} (an SQL expression) gives has one. */
    public static String exist(String tableOid) {
        return "exists (select 1 from pg_trigger g where g.tgrelid = " + tableOid + " and not g.tgisinternal)";
    }

    /** Whether the plan's table {@code table} has one. */
    public static boolean on(Connection connection, String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select " + exist("to_regclass(?)"))) {
            statement.setString(1, UniqueIndexes.regclass(table));
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }
}
