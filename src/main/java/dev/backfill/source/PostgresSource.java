package dev.backfill.source;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.db.Sql;
import dev.backfill.db.Transactions;
import dev.backfill.mapping.Json;
import dev.backfill.plan.SourceSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Reads a PostgreSQL source through a read-only pool with COPY … TO STDOUT: the typed columns come
 * over in PostgreSQL's compact text format and become JSON here (as {@code row_to_json} would make
 * them, at a fraction of the server's cost). The full dry run streams one ordered COPY per stream;
 * apply and preview run the same statement filtered to their users, so each row's raw line (and so
 * each user's fingerprint) is the same in every path.
 */
public final class PostgresSource implements SourceReader {
    private static final int FETCH = 10_000;

    private final HikariDataSource pool;
    private final String description;
    private final Map<String, Shape> shapes = new ConcurrentHashMap<>();

    /** What a stream's COPY selects and how to read its columns back. */
    private record Shape(List<String> columns, List<ColumnReader> readers, String partitionType, String select, String order,
                         RowFields.Columns fields) {
        Shape(List<String> columns, List<ColumnReader> readers, String partitionType, String select, String order) {
            this(columns, readers, partitionType, select, order, new RowFields.Columns(columns));
        }
    }

    public PostgresSource(HikariDataSource pool, String description) {
        this.pool = pool;
        this.description = description;
    }

    private static String relation(SourceSpec stream) {
        return stream.table() != null ? "(select * from " + Sql.table(stream.table()) + ")" : "(" + stream.query() + ")";
    }

    private static String partition(SourceSpec stream) {
        return "q." + Sql.quote(stream.partition());
    }

    private Shape shape(SourceSpec stream) {
        Shape known = shapes.get(stream.streamKey());
        if (known != null) {
            return known;
        }
        try (Connection connection = pool.getConnection()) {
            Shape shape = describeShape(connection, stream);
            shapes.put(stream.streamKey(), shape);
            return shape;
        } catch (SQLException e) {
            throw failure(stream, "reading its columns", e);
        }
    }

    private Shape describeShape(Connection connection, SourceSpec stream) throws SQLException {
        List<String> columns = new ArrayList<>();
        List<ColumnReader> readers = new ArrayList<>();
        String partitionType = "text";
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select * from " + relation(stream) + " q limit 0")) {
            ResultSetMetaData meta = rows.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
                readers.add(ColumnReader.forType(meta.getColumnTypeName(i)));
                if (stream.partition() != null && meta.getColumnLabel(i).equals(stream.partition())) {
                    String type = meta.getColumnTypeName(i);
                    partitionType = type.matches("[a-z_][a-z0-9_]*") ? type : Sql.quote(type);
                }
            }
        }
        if (stream.partition() != null && !columns.contains(stream.partition())) {
            throw new SQLException("column " + stream.partition() + " (the partition) is not among the columns " + columns, "42703");
        }
        String order = rowOrder(connection, stream);
        String userText = stream.partition() == null ? "null::text" : partition(stream) + "::text";
        String select = "select " + userText + ", q.* from " + relation(stream) + " q";
        String sortByUser = stream.partition() == null ? "" : userText + " collate \"C\", ";
        return new Shape(columns, readers, partitionType, select, " order by " + sortByUser + order);
    }

    /** Rows of a user in a stable order: the plan's order_by, else the table's primary key, else the whole row. */
    private static String rowOrder(Connection connection, SourceSpec stream) throws SQLException {
        if (!stream.orderBy().isEmpty()) {
            return String.join(", ", stream.orderBy().stream().map(c -> "q." + Sql.quote(c)).toList());
        }
        List<String> key = stream.table() == null ? List.of() : primaryKey(connection, stream.table());
        return key.isEmpty() ? "q::text" : String.join(", ", key.stream().map(c -> "q." + Sql.quote(c)).toList());
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

    /**
     * A valid unique index (a primary key is one) of one key column, no expression and no predicate. A plain table
     * with inheritance children is left out: its reads include the children's rows, which its indexes do not cover.
     * A partitioned table's unique index holds its partition key, so it covers every partition.
     */
    @Override
    public java.util.Set<String> uniqueColumns(SourceSpec stream) {
        if (stream.table() == null) {
            return java.util.Set.of();
        }
        String sql = "select a.attname from pg_index i join pg_class c on c.oid = i.indrelid"
                + " join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]"
                + " where i.indrelid = to_regclass(?) and i.indisunique and i.indisvalid and i.indnkeyatts = 1"
                + " and i.indpred is null and i.indexprs is null"
                + " and (c.relkind = 'p' or (c.relkind = 'r' and not exists (select 1 from pg_inherits h where h.inhparent = c.oid)))";
        try (Connection connection = pool.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, Sql.table(stream.table()));
            java.util.Set<String> columns = new java.util.HashSet<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    columns.add(rows.getString(1));
                }
            }
            return java.util.Set.copyOf(columns);
        } catch (SQLException e) {
            throw failure(stream, "reading its unique indexes", e);
        }
    }

    @Override
    public java.util.Optional<List<SourceColumn>> columns(SourceSpec stream) {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select * from " + relation(stream) + " q limit 0")) {
            ResultSetMetaData meta = rows.getMetaData();
            List<SourceColumn> columns = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                String type = meta.getColumnTypeName(i);
                columns.add(new SourceColumn(meta.getColumnLabel(i), type, ColumnReader.forType(type).navigable()));
            }
            return java.util.Optional.of(columns);
        } catch (SQLException e) {
            throw failure(stream, "reading its columns", e);
        }
    }

    @Override
    public CloseableIterator<String> users(SourceSpec stream) {
        String partition = partition(stream);
        String sql = "select k from (select distinct " + partition + "::text as k from " + relation(stream) + " q where "
                + partition + " is not null and " + partition + "::text <> '') d order by k collate \"C\"";
        try {
            Transactions.Cursor cursor = Transactions.cursor(pool);
            PreparedStatement statement = cursor.connection().prepareStatement(sql);
            statement.setFetchSize(FETCH);
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
                        throw new NoSuchElementException();
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
                    try (cursor; statement; rows) {
                        // closing the cursor ends its read-only transaction
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
    public long countUsers(SourceSpec stream) {
        String partition = partition(stream);
        // the same users as users(): a row whose user is NULL or '' belongs to nobody
        String sql = "select count(distinct " + partition + ") from " + relation(stream) + " q where " + partition + " is not null"
                + " and " + partition + "::text <> ''";
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw failure(stream, "counting its users", e);
        }
    }

    @Override
    public Map<String, UserRows> rows(SourceSpec stream, List<String> users) {
        if (users.isEmpty()) {
            return Map.of();
        }
        Shape shape = shape(stream);
        // COPY takes no parameters: the users go in as one array literal, escaped by the one helper for it.
        String sql = shape.select() + " where " + partition(stream) + " = any(" + Sql.textArrayLiteral(users) + "::"
                + shape.partitionType() + "[])" + shape.order();
        Map<String, RowDigest> byUser = new LinkedHashMap<>();
        copy(stream, sql, shape, "reading the rows of " + users.size() + " user(s)",
                (user, row, line, length) -> byUser.computeIfAbsent(user, k -> new RowDigest()).add(row, line, 0, length));
        Map<String, UserRows> out = new LinkedHashMap<>();
        byUser.forEach((user, digest) -> out.put(user, digest.finish()));
        return out;
    }

    @Override
    public CloseableIterator<KeyedRows> scan(SourceSpec stream) {
        Shape shape = shape(stream);
        String partition = partition(stream);
        String sql = shape.select() + " where " + partition + " is not null and " + partition + "::text <> ''" + shape.order();
        Connection connection = null;
        CopyOut copy;
        try {
            connection = pool.getConnection();
            try (Statement statement = connection.createStatement()) {
                // The scan sorts the whole stream by user once, in one server process: parallel workers sorting it took
                // 2-3 times the CPU of the live source for no shorter wait (400,000 rows: 1.0-1.3 s with two workers,
                // 0.7-0.8 s alone; 4 million: 13.8 s, 9-13 s alone), and sorting in memory was no faster than the
                // server's own work_mem on disk (1.3 s at 256 MB), so the session keeps the server's work_mem.
                statement.execute("set max_parallel_workers_per_gather = 0");
            }
            copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + sql + ") TO STDOUT");
        } catch (SQLException e) {
            discard(connection);
            throw failure(stream, "starting to read it", e);
        }
        Connection scanning = connection;
        return new CloseableIterator<>() {
            private byte[] pending;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (pending == null && !done) {
                    pending = readLine();
                    done = pending == null;
                }
                return pending != null;
            }

            @Override
            public KeyedRows next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                RowDigest digest = new RowDigest();
                String user = null;
                while (pending != null) {
                    int length = CopyText.contentLength(pending);
                    List<String> fields = CopyText.fields(pending, length);
                    if (user != null && !user.equals(fields.get(0))) {
                        break;
                    }
                    user = fields.get(0);
                    digest.add(row(shape, fields), pending, 0, length);
                    pending = readLine();
                    done = pending == null;
                }
                return new KeyedRows(user, digest.finish());
            }

            private byte[] readLine() {
                try {
                    return copy.readFromCopy();
                } catch (SQLException e) {
                    throw failure(stream, "reading it", e);
                }
            }

            @Override
            public void close() {
                if (copy.isActive()) {
                    // closed before the end: the driver cancels the COPY without reading the server's answer, which
                    // the connection's next statement would get instead of its own; it does not go back to the pool
                    try {
                        copy.cancelCopy();
                    } catch (SQLException ignored) {
                        // cancelling a read-only COPY: nothing to lose
                    }
                    discard(scanning);
                    return;
                }
                try (scanning; Statement statement = scanning.createStatement()) {
                    statement.execute("reset max_parallel_workers_per_gather");
                } catch (SQLException e) {
                    discard(scanning);
                }
            }
        };
    }

    /** Closes a connection whose state is not known, so that the pool opens a new one instead of handing it out. */
    private void discard(Connection connection) {
        if (connection == null) {
            return;
        }
        pool.evictConnection(connection);
        try {
            connection.close();
        } catch (SQLException ignored) {
            // already broken: closing it is all that was left to do
        }
    }

    @Override
    public UserRows allRows(SourceSpec stream) {
        Shape shape = shape(stream);
        RowDigest digest = new RowDigest();
        copy(stream, shape.select() + shape.order(), shape, "reading its rows", (user, row, line, length) -> digest.add(row, line, 0, length));
        return digest.finish();
    }

    @Override
    public List<ObjectNode> rowsWithoutUser(SourceSpec stream, int limit) {
        Shape shape = shape(stream);
        String partition = partition(stream);
        String sql = shape.select() + " where " + partition + " is null or " + partition + "::text = ''" + shape.order()
                + " limit " + limit;
        List<ObjectNode> rows = new ArrayList<>();
        copy(stream, sql, shape, "looking for rows without a user", (user, row, line, length) -> rows.add(row));
        return rows;
    }

    private interface RowSink {
        void accept(String user, ObjectNode row, byte[] line, int length);
    }

    private void copy(SourceSpec stream, String sql, Shape shape, String doing, RowSink sink) {
        try (Connection connection = pool.getConnection()) {
            CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + sql + ") TO STDOUT");
            try {
                byte[] line;
                while ((line = copy.readFromCopy()) != null) {
                    int length = CopyText.contentLength(line);
                    List<String> fields = CopyText.fields(line, length);
                    sink.accept(fields.get(0), row(shape, fields), line, length);
                }
            } finally {
                if (copy.isActive()) {
                    try {
                        copy.cancelCopy();
                    } finally {
                        discard(connection); // the server's answer to the cancel is unread (see scan)
                    }
                }
            }
        } catch (SQLException e) {
            throw failure(stream, doing, e);
        }
    }

    /** The fields after the user key, as one JSON object keyed by column name. */
    private static ObjectNode row(Shape shape, List<String> fields) {
        ObjectNode row = shape.fields().newRow();
        List<String> columns = shape.columns();
        for (int i = 0; i < columns.size(); i++) {
            row.set(columns.get(i), shape.readers().get(i).read(fields.get(i + 1)));
        }
        return row;
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

    private SourceException failure(SourceSpec stream, String doing, SQLException e) {
        return new SourceException("Reading the legacy " + (stream.table() != null ? "table " + stream.table() : "query of " + stream.label())
                + " from " + description + " failed while " + doing + ": " + e.getMessage()
                + (e.getSQLState() != null && e.getSQLState().startsWith("42")
                ? ". Check the table, query and partition column names in the plan." : ""), e);
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
