package dev.backfill.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Planner settings for this session until {@link #close}: all set in one statement (all or none), all
 * reset in one. A setting made in a transaction that rolls back goes with it, so an error between the
 * two leaves nothing behind there. {@link IndexJoins}, {@link NoNestedLoops} and {@link NoParallelWorkers}
 * say which settings and why.
 */
public abstract class PlannerSettings implements AutoCloseable {
    /** One setting: a name from this code, never from input. */
    record Setting(String name, String value) {}

    private final Connection connection;
    private final List<Setting> settings;

    /** {@code connection} null: nothing is set or reset. */
    PlannerSettings(Connection connection, List<Setting> settings) throws SQLException {
        this.connection = connection;
        this.settings = List.copyOf(settings);
        if (connection != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("select " + this.settings.stream()
                        .map(s -> "set_config('" + s.name() + "', '" + s.value() + "', false)").collect(Collectors.joining(", ")));
            }
        }
    }

    @Override
    public final void close() throws SQLException {
        if (connection != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute(settings.stream().map(s -> "reset " + s.name()).collect(Collectors.joining("; ")));
            }
        }
    }
}
