package dev.backfill.db;

import java.sql.SQLException;
import java.util.Set;

/**
 * Errors the database raises for the rows a statement writes or evaluates, not for the connection, the server
 * or the statement itself: a value (22), a constraint (23), a function or trigger raising (2F, 38, 39, P0).
 * Such an error belongs to the rows: it is met again with the same rows, and not with others.
 */
public final class RowErrors {
    private static final Set<String> CLASSES = Set.of("22", "23", "2F", "38", "39", "P0");

    private RowErrors() {}

    public static boolean of(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.length() >= 2 && CLASSES.contains(state.substring(0, 2));
    }
}
