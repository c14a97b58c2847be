package dev.backfill.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.db.Sql;
import dev.backfill.mapping.Json;
import dev.backfill.plan.SourceSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a PostgreSQL source through a read-only pool. Each row arrives as {@code row_to_json}, so
 * jsonb columns are nested JSON, timestamps ISO text, and every source looks alike to the mapping.
 */
public final class PostgresSource implements SourceReader {
    private static final int FETCH = 2_000;

    private final HikariDataSource pool;
    private final String description;
    private final Map<String, String> partitionTypes = new ConcurrentHashMap<>();
    private final Map<String, String> rowOrders = new ConcurrentHashMap<>();

    public PostgresSource(HikariDataSource pool, String description) {
        this.pool = pool;
        this.description = description;
    }

    private static String relation(SourceSpec stream) {
        return stream.table() != null ? "(select * from " + Sql.table(stream.table()) + ")" : "(" + stream.query() + ")";
    }

    @Override
    public CloseableIterator<String> users(SourceSpec stream) {
        String partition = "q." + Sql.quote(stream.partition());
        String sql = "select k from (select distinct " + partition + "::text as k from " + relation(stream) + " q where "
                + partition + " is not null and " + partition + "::text <> '') d order by k collate \"C\"";
        try {
            Connection connection = pool.getConnection();
            connection.setAutoCommit(false);
            PreparedStatement statement = connection.prepareStatement(sql);
            statement.setFetchSize(FETCH * 5);
            ResultSet rows = statement.executeQuery();
            return new CloseableIterator<>() {
                private Boolean ready;

                @Override
                public boolean hasNext() {
                    if (ready == null) {
                        try {
                            ready = rows.next();
                        } catch (SQLException e) {
                            throw failure(stream, "listing its users", e);
                        }
                    }
                    return ready;
                }

                @Override
                public String next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    ready = null;
                    try {
                        return rows.getString(1);
                    } catch (SQLException e) {
                        throw failure(stream, "listing its users", e);
                    }
                }

                @Override
                public void close() {
                    try (connection; statement; rows) {
                        connection.rollback();
                    } catch (SQLException ignored) {
                        // closing a read-only cursor: nothing to lose
                    }
                }
            };
        } catch (SQLException e) {
            throw failure(stream, "listing its users", e);
        }
    }

    @Override
    public Map<String, UserRows> rows(SourceSpec stream, List<String> users) {
        Map<String, RowDigest> byUser = new LinkedHashMap<>();
        if (users.isEmpty()) {
            return Map.of();
        }
        try (Connection connection = pool.getConnection()) {
            String partition = "q." + Sql.quote(stream.partition());
            String type = partitionType(connection, stream);
            String sql = "select " + partition + "::text, row_to_json(q)::text from " + relation(stream) + " q where "
                    + partition + " = any(?::" + type + "[]) order by " + partition + "::text collate \"C\", "
                    + rowOrder(connection, stream);
            connection.setAutoCommit(false);
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setFetchSize(FETCH);
                statement.setArray(1, connection.createArrayOf("text", users.toArray()));
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        String raw = rows.getString(2);
                        byUser.computeIfAbsent(rows.getString(1), k -> new RowDigest()).add(parse(raw, stream), raw);
                    }
                }
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(stream, "reading the rows of " + users.size() + " user(s)", e);
        }
        Map<String, UserRows> out = new LinkedHashMap<>();
        byUser.forEach((user, digest) -> out.put(user, digest.finish()));
        return out;
    }

    @Override
    public UserRows allRows(SourceSpec stream) {
        RowDigest digest = new RowDigest();
        select(stream, "true", Integer.MAX_VALUE, digest);
        return digest.finish();
    }

    @Override
    public List<ObjectNode> rowsWithoutUser(SourceSpec stream, int limit) {
        String partition = "q." + Sql.quote(stream.partition());
        RowDigest digest = new RowDigest();
        select(stream, partition + " is null or " + partition + "::text = ''", limit, digest);
        return digest.finish().rows();
    }

    private void select(SourceSpec stream, String where, int limit, RowDigest out) {
        try (Connection connection = pool.getConnection()) {
            String sql = "select row_to_json(q)::text from " + relation(stream) + " q where " + where
                    + " order by " + rowOrder(connection, stream);
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.setFetchSize(FETCH);
                statement.setMaxRows(limit == Integer.MAX_VALUE ? 0 : limit);
                try (ResultSet rows = statement.executeQuery(sql)) {
                    while (rows.next()) {
                        String raw = rows.getString(1);
                        out.add(parse(raw, stream), raw);
                    }
                }
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(stream, "reading its rows", e);
        }
    }

    /** The partition column's type, so the user filter compares in that type and can use its index. */
    private String partitionType(Connection connection, SourceSpec stream) throws SQLException {
        String known = partitionTypes.get(stream.streamKey());
        if (known != null) {
            return known;
        }
        String sql = "select " + "q." + Sql.quote(stream.partition()) + " from " + relation(stream) + " q limit 0";
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            String type = rows.getMetaData().getColumnTypeName(1);
            String quoted = type.matches("[a-z_][a-z0-9_]*") ? type : Sql.quote(type);
            partitionTypes.put(stream.streamKey(), quoted);
            return quoted;
        }
    }

    /** Rows of a user in a stable order: the plan's order_by, else the table's primary key, else the row itself. */
    private String rowOrder(Connection connection, SourceSpec stream) throws SQLException {
        String known = rowOrders.get(stream.streamKey());
        if (known != null) {
            return known;
        }
        String order;
        if (!stream.orderBy().isEmpty()) {
            order = String.join(", ", stream.orderBy().stream().map(c -> "q." + Sql.quote(c)).toList());
        } else {
            List<String> key = stream.table() == null ? List.of() : primaryKey(connection, stream.table());
            order = key.isEmpty() ? "row_to_json(q)::text" : String.join(", ", key.stream().map(c -> "q." + Sql.quote(c)).toList());
        }
        rowOrders.put(stream.streamKey(), order);
        return order;
    }

    private static List<String> primaryKey(Connection connection, String table) throws SQLException {
        String sql = "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)"
                + " where i.indrelid = to_regclass(?) and i.indisprimary order by array_position(i.indkey, a.attnum)";
        List<String> columns = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, Sql.table(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.add(rows.getString(1));
                }
            }
        }
        return columns;
    }

    private static ObjectNode parse(String json, SourceSpec stream) {
        try {
            return (ObjectNode) Json.parse(json);
        } catch (JsonProcessingException e) {
            throw new SourceException("PostgreSQL returned a row of " + stream.label() + " that is not JSON: " + e.getMessage(), e);
        }
    }

    private SourceException failure(SourceSpec stream, String doing, SQLException e) {
        return new SourceException("Reading the legacy " + (stream.table() != null ? "table " + stream.table() : "query of " + stream.label())
                + " from " + description + " failed while " + doing + ": " + e.getMessage()
                + (e.getSQLState() != null && e.getSQLState().startsWith("42")
                ? ". Check the table, query and partition column names in the plan." : ""), e);
    }

    @Override
    public java.math.BigDecimal scalar(String sql) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getBigDecimal(1) : null;
        } catch (SQLException e) {
            throw new SourceException("A check's query failed on the source (" + description + "): " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        pool.close();
    }
}
