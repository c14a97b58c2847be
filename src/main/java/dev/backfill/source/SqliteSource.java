package dev.backfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.db.Sql;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.StoredText;
import dev.backfill.mapping.Unreadable;
import dev.backfill.plan.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.Collation;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * Reads a SQLite file (e.g. a Cloudflare D1 database) strictly read-only. Every connection opens the
 * file as an immutable, read-only URI ({@code ?mode=ro&immutable=1}): SQLite takes no locks and
 * creates no {@code -journal}, {@code -wal} or {@code -shm} file, so the file is never touched.
 * Because an immutable file is read without its write-ahead log, a file with a non-empty
 * {@code -wal} (or a hot {@code -journal}) beside it is refused: part of its data is not in the file.
 *
 * <p>Each row becomes an object by the storage class of each value: INTEGER a number, REAL a
 * decimal number (the shortest decimal that reads back as the same double; infinities as text),
 * TEXT text (JSON text is not parsed here: the plan's {@code as: jsonb} does that), BLOB base64
 * text, NULL null. The digest of a row is its {@link Json#write} text.
 *
 * <p>User keys are the partition value cast to TEXT and compared with the BINARY collation, which
 * is code point order for a UTF-8 file (for a UTF-16 file a code point collation is registered).
 */
public final class SqliteSource implements SourceReader {
    /** Most parameters in one statement (one per user key). */
    static final int BATCH = 500;
    private static final String CODE_POINT_COLLATION = "BACKFILL_CODEPOINT";
    private static final byte[] HEADER = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JOURNAL_MAGIC = {(byte) 0xd9, (byte) 0xd5, 0x05, (byte) 0xf9, 0x20, (byte) 0xa1, 0x63, (byte) 0xd7};

    /** How one stream is read: the relation, its partition expression and the stable row order. */
    private record Layout(String from, String partition, boolean indexed, String order) {}

    private final Path file;
    private final String description;
    private final String url;
    private final String orderCollation;
    /** A UTF-8 file (the usual): its text values are checked to be valid UTF-8. */
    private final boolean utf8;
    private final Connection connection;
    private final Set<Connection> cursors = ConcurrentHashMap.newKeySet();
    private final Map<String, Layout> layouts = new ConcurrentHashMap<>();
    /**
     * Per stream, the stored bytes of user keys that cannot name a user (a NUL character, bytes that are
     * not UTF-8): left out of the users, their rows reported by {@link #rowsWithoutUser} with the reason.
     */
    private final Map<String, Set<String>> unusableKeys = new ConcurrentHashMap<>();

    public SqliteSource(Path file) {
        Sources.requireReadableFile(file, "SQLite file", "sqlite");
        this.file = file.toAbsolutePath();
        this.description = "SQLite file " + this.file;
        checkHeader();
        checkNoPendingWrites();
        this.url = "jdbc:sqlite:" + this.file.toUri().toASCIIString() + "?mode=ro&immutable=1";
        String encoding;
        try {
            Connection first = connect(false);
            try (Statement statement = first.createStatement()) {
                try (ResultSet rows = statement.executeQuery("select count(*) from sqlite_schema")) {
                    rows.next();
                }
                try (ResultSet rows = statement.executeQuery("pragma encoding")) {
                    encoding = rows.next() ? rows.getString(1) : "UTF-8";
                }
                this.orderCollation = "UTF-8".equalsIgnoreCase(encoding) ? "BINARY" : CODE_POINT_COLLATION;
                this.utf8 = "UTF-8".equalsIgnoreCase(encoding);
                if (!orderCollation.equals("BINARY")) {
                    registerCollation(first);
                }
            } catch (SQLException e) {
                close(first);
                throw e;
            }
            this.connection = first;
        } catch (SQLException e) {
            throw new SourceException("The " + description + " cannot be read as a SQLite database: " + e.getMessage()
                    + ". Check that it is a complete copy of the database file.", e);
        }
    }

    // ------------------------------------------------------------------ opening

    /** Refuses anything that is not a SQLite database file, with a hint for an SQL dump. */
    private void checkHeader() {
        byte[] start = new byte[100];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(start, 0, start.length);
        } catch (IOException e) {
            throw new SourceException("The " + description + " cannot be read: " + e.getMessage(), e);
        }
        if (read == 0) {
            throw new SourceException("The " + description + " is empty (0 bytes), not a SQLite database."
                    + " Point 'source: { sqlite: ... }' at the database file itself.", null);
        }
        if (read >= HEADER.length && Arrays.equals(Arrays.copyOf(start, HEADER.length), HEADER)) {
            return;
        }
        String text = new String(start, 0, read, StandardCharsets.UTF_8).replace("\uFEFF", "").strip().toUpperCase(Locale.ROOT);
        boolean sql = text.startsWith("PRAGMA") || text.startsWith("BEGIN") || text.startsWith("CREATE")
                || text.startsWith("INSERT") || text.startsWith("--") || text.startsWith("/*");
        if (sql) {
            throw new SourceException("The " + description + " is an SQL script (for example from 'wrangler d1 export'),"
                    + " not a SQLite database file. Load it into one first, e.g. 'sqlite3 legacy.sqlite < " + file.getFileName()
                    + "', and point 'source: { sqlite: ... }' at legacy.sqlite.", null);
        }
        throw new SourceException("The " + description + " is not a SQLite database (it does not start with the"
                + " 'SQLite format 3' header). Point 'source: { sqlite: ... }' at the database file itself.", null);
    }

    /**
     * The file is opened immutable, which reads neither a write-ahead log nor a rollback journal:
     * if either holds changes, the file alone is not the whole database, so it is refused.
     */
    private void checkNoPendingWrites() {
        Path wal = Path.of(file + "-wal");
        Path journal = Path.of(file + "-journal");
        try {
            if (Files.exists(wal) && Files.size(wal) > 0) {
                throw new SourceException("The " + description + " has a write-ahead log " + wal.getFileName()
                        + " beside it with changes that are not in the file yet (it is in use, or was copied while a program"
                        + " was writing to it). Backfill reads the file read-only and would miss them: make a consistent copy,"
                        + " e.g. 'sqlite3 " + file.getFileName() + " \".backup legacy-copy.sqlite\"' once nothing writes to it,"
                        + " and point 'source: { sqlite: ... }' at the copy.", null);
            }
            if (Files.exists(journal) && Files.size(journal) >= JOURNAL_MAGIC.length) {
                byte[] head;
                try (InputStream in = Files.newInputStream(journal)) {
                    head = in.readNBytes(JOURNAL_MAGIC.length);
                }
                if (Arrays.equals(head, JOURNAL_MAGIC)) {
                    throw new SourceException("The " + description + " has an unfinished rollback journal "
                            + journal.getFileName() + " beside it (a write was interrupted), so the file may be inconsistent."
                            + " Open it once with the sqlite3 tool on a copy (it rolls the write back) and point"
                            + " 'source: { sqlite: ... }' at that copy.", null);
                }
            }
        } catch (IOException e) {
            throw new SourceException("The " + description + " cannot be checked for a journal: " + e.getMessage(), e);
        }
    }

    /** A new read-only, immutable connection: no locks, no journal, nothing written. */
    private Connection connect(boolean collation) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.resetOpenMode(SQLiteOpenMode.READWRITE);
        config.resetOpenMode(SQLiteOpenMode.CREATE);
        config.setOpenMode(SQLiteOpenMode.READONLY);
        config.setOpenMode(SQLiteOpenMode.OPEN_URI);
        Connection opened = config.createConnection(url);
        if (collation) {
            try {
                registerCollation(opened);
            } catch (SQLException e) {
                close(opened);
                throw e;
            }
        }
        return opened;
    }

    private static void registerCollation(Connection on) throws SQLException {
        Collation.create(on, CODE_POINT_COLLATION, new Collation() {
            @Override
            protected int xCompare(String a, String b) {
                return UserKeys.compare(a, b);
            }
        });
    }

    // ------------------------------------------------------------------ reading

    @Override
    public CloseableIterator<String> users(SourceSpec stream) {
        Layout layout = layout(stream);
        requirePartition(stream, layout);
        String key = "cast(" + layout.partition() + " as text) collate binary";
        String sql = "select k, cast(k as blob) from (select distinct " + key + " as k from " + layout.from() + " where "
                + layout.partition() + " is not null and " + key + " <> '') order by k collate " + orderCollation;
        Connection cursor = null;
        try {
            cursor = connect(!orderCollation.equals("BINARY"));
            cursors.add(cursor);
            PreparedStatement statement = cursor.prepareStatement(sql);
            ResultSet rows = statement.executeQuery();
            return new KeyCursor(cursor, statement, rows, stream);
        } catch (SQLException e) {
            if (cursor != null) {
                cursors.remove(cursor);
                close(cursor);
            }
            throw failure(stream, "listing its users", e);
        }
    }

    /** The distinct user keys of a stream, read on a connection of its own while the caller reads rows. */
    private final class KeyCursor implements CloseableIterator<String> {
        private final Connection cursor;
        private final PreparedStatement statement;
        private final ResultSet rows;
        private final SourceSpec stream;
        private Boolean ready;
        private boolean closed;

        KeyCursor(Connection cursor, PreparedStatement statement, ResultSet rows, SourceSpec stream) {
            this.cursor = cursor;
            this.statement = statement;
            this.rows = rows;
            this.stream = stream;
        }

        @Override
        public boolean hasNext() {
            if (closed) {
                return false;
            }
            while (ready == null) {
                try {
                    ready = rows.next();
                    if (ready && unusable(rows.getString(1), rows.getBytes(2))) {
                        unusableKeys.computeIfAbsent(stream.streamKey(), k -> ConcurrentHashMap.newKeySet())
                                .add(java.util.HexFormat.of().formatHex(rows.getBytes(2)));
                        ready = null;
                    }
                } catch (SQLException e) {
                    throw failure(stream, "listing its users", e);
                }
                if (Boolean.FALSE.equals(ready)) {
                    close();
                    return false;
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
            if (closed) {
                return;
            }
            closed = true;
            try (cursor; statement; rows) {
                cursors.remove(cursor);
            } catch (SQLException ignored) {
                // closing a read-only cursor: nothing to lose
            }
        }
    }

    @Override
    public synchronized Map<String, UserRows> rows(SourceSpec stream, List<String> users) {
        if (users.isEmpty()) {
            return Map.of();
        }
        Layout layout = layout(stream);
        requirePartition(stream, layout);
        List<String> wanted = new ArrayList<>(new LinkedHashSet<>(users));
        Map<String, RowDigest> found = new HashMap<>();
        for (int start = 0; start < wanted.size(); start += BATCH) {
            List<String> batch = wanted.subList(start, Math.min(wanted.size(), start + BATCH));
            StringJoiner parameters = new StringJoiner(", ", "(", ")");
            for (int i = 1; i <= batch.size(); i++) {
                parameters.add("?" + i);
            }
            String key = "cast(" + layout.partition() + " as text) collate binary";
            // the plain 'column in (...)' lets SQLite use an index on the column; the exact text comparison
            // decides (the column's own collation may be NOCASE, and its affinity converts the keys)
            String where = (layout.indexed() ? layout.partition() + " in " + parameters + " and " : "") + key + " in " + parameters;
            String sql = "select " + key + ", src.* from " + layout.from() + " where " + where + " order by " + layout.order();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < batch.size(); i++) {
                    statement.setString(i + 1, batch.get(i));
                }
                try (ResultSet rows = statement.executeQuery()) {
                    String[] labels = labels(rows.getMetaData());
                    RowFields.Columns shape = new RowFields.Columns(List.of(labels));
                    while (rows.next()) {
                        ObjectNode row = row(rows, labels, shape, utf8);
                        found.computeIfAbsent(rows.getString(1), k -> new RowDigest()).add(row, Json.write(row));
                    }
                }
            } catch (SQLException e) {
                throw failure(stream, "reading the rows of " + users.size() + " user(s)", e);
            }
        }
        Map<String, UserRows> out = new LinkedHashMap<>();
        for (String user : wanted) {
            RowDigest digest = found.get(user);
            if (digest != null) {
                out.put(user, digest.finish());
            }
        }
        return out;
    }

    @Override
    public synchronized UserRows allRows(SourceSpec stream) {
        Layout layout = layout(stream);
        RowDigest digest = new RowDigest();
        select(stream, "select null, src.* from " + layout.from() + " order by " + layout.order(), null, digest);
        return digest.finish();
    }

    @Override
    public synchronized List<ObjectNode> rowsWithoutUser(SourceSpec stream, int limit) {
        Layout layout = layout(stream);
        requirePartition(stream, layout);
        String sql = "select null, src.* from " + layout.from() + " where " + layout.partition() + " is null or cast("
                + layout.partition() + " as text) collate binary = '' order by " + layout.order() + " limit ?";
        RowDigest digest = new RowDigest();
        select(stream, sql, limit, digest);
        List<ObjectNode> rows = new ArrayList<>(digest.finish().rows());
        for (String hex : unusableKeys.getOrDefault(stream.streamKey(), Set.of())) {
            byte[] key = java.util.HexFormat.of().parseHex(hex);
            String shown = Utf8.shown(key, 0, key.length, 80);
            int bad = Utf8.firstInvalid(key, 0, key.length);
            String why = bad >= 0 ? Utf8.problem(key, 0, key.length, bad) : "contains a NUL character (\\u0000)";
            try (PreparedStatement statement = connection.prepareStatement("select null, src.* from " + layout.from() + " where cast("
                    + layout.partition() + " as blob) = ? order by " + layout.order() + " limit ?")) {
                statement.setBytes(1, key);
                statement.setInt(2, Math.max(0, limit - rows.size()));
                try (ResultSet found = statement.executeQuery()) {
                    String[] labels = labels(found.getMetaData());
                    RowFields.Columns shape = new RowFields.Columns(List.of(labels));
                    while (found.next()) {
                        ObjectNode row = row(found, labels, shape, utf8);
                        JsonNode idValue = row.get("id");
                        Unreadable idMarker = idValue == null ? null : Unreadable.of(idValue);
                        String id = idValue == null || idValue.isNull() ? "(no id)"
                                : idMarker != null ? idMarker.shown() : StoredText.escape(idValue.asText());
                        rows.add(Unreadable.record("id " + id, stream.partition(), "its "
                                + stream.partition() + " '" + shown + "' " + why + ", which PostgreSQL cannot store as a user key,"
                                + " so it cannot name a user", shown));
                    }
                }
            } catch (SQLException e) {
                throw failure(stream, "looking for rows without a user", e);
            }
        }
        return rows;
    }

    /** A user key that cannot be stored: a NUL character, or bytes that are not UTF-8 (the driver shows those as U+FFFD). */
    private boolean unusable(String key, byte[] stored) {
        if (key.indexOf('\0') >= 0) {
            return true;
        }
        return utf8 && key.indexOf('\uFFFD') >= 0 && stored != null && Utf8.firstInvalid(stored, 0, stored.length) >= 0;
    }

    /** Runs a select of a null user key and the rows; a non-null limit is bound to its one parameter. */
    private void select(SourceSpec stream, String sql, Integer limit, RowDigest out) {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            if (limit != null) {
                statement.setInt(1, Math.max(0, limit));
            }
            try (ResultSet rows = statement.executeQuery()) {
                String[] labels = labels(rows.getMetaData());
                RowFields.Columns shape = new RowFields.Columns(List.of(labels));
                while (rows.next()) {
                    ObjectNode row = row(rows, labels, shape, utf8);
                    out.add(row, Json.write(row));
                }
            }
        } catch (SQLException e) {
            throw failure(stream, "reading its rows", e);
        }
    }

    /** Column names of the row: every column after the first (the user key). */
    private static String[] labels(ResultSetMetaData meta) throws SQLException {
        String[] labels = new String[meta.getColumnCount() - 1];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = meta.getColumnLabel(i + 2);
        }
        return labels;
    }

    /** {@code shape}: the labels' columns, which every row of the query shares (a row then holds an array, not a hash map of its own). */
    private static ObjectNode row(ResultSet rows, String[] labels, RowFields.Columns shape, boolean utf8) throws SQLException {
        ObjectNode row = shape.newRow();
        for (int i = 0; i < labels.length; i++) {
            Object value = rows.getObject(i + 2);
            // the driver decodes text leniently: a bad byte comes back as U+FFFD. Only then are the stored bytes looked at.
            if (utf8 && value instanceof String text && text.indexOf('\uFFFD') >= 0) {
                row.set(labels[i], text(text, rows.getBytes(i + 2)));
            } else {
                row.set(labels[i], value(value));
            }
        }
        return row;
    }

    /** Text whose stored bytes are valid UTF-8, or an unreadable value naming the first bad byte: never U+FFFD in its place. */
    static JsonNode text(String decoded, byte[] stored) {
        int bad = stored == null ? -1 : Utf8.firstInvalid(stored, 0, stored.length);
        if (bad < 0) {
            return Json.NODES.textNode(decoded);
        }
        String shown = Utf8.shown(stored, 0, stored.length, 80);
        return Unreadable.value("'" + shown + "' " + Utf8.problem(stored, 0, stored.length, bad) + ", and PostgreSQL text holds"
                + " only UTF-8 (replacing the byte would change the value)", shown, false);
    }

    /** One value by its storage class (sqlite-jdbc reports the value's own type, not the column's). */
    static JsonNode value(Object value) {
        if (value == null) {
            return Json.NODES.nullNode();
        }
        if (value instanceof Integer || value instanceof Long) {
            return Json.NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d)) {
                return Json.NODES.textNode("NaN");
            }
            if (Double.isInfinite(d)) {
                return Json.NODES.textNode(d > 0 ? "Infinity" : "-Infinity");
            }
            return Json.NODES.numberNode(BigDecimal.valueOf(d));
        }
        if (value instanceof byte[] bytes) {
            return Json.NODES.textNode(Base64.getEncoder().encodeToString(bytes));
        }
        return Json.NODES.textNode(value.toString());
    }

    // ------------------------------------------------------------------ layout of a stream

    private Layout layout(SourceSpec stream) {
        Layout known = layouts.get(stream.streamKey());
        if (known != null) {
            return known;
        }
        synchronized (this) {
            known = layouts.get(stream.streamKey());
            if (known != null) {
                return known;
            }
            if (stream.table() == null && stream.query() == null) {
                throw new SourceException("The legacy source " + stream.label() + where(stream) + " reads a document, but "
                        + description + " has tables: use 'from: { table: ... }' or 'from: { query: ... }'.", null);
            }
            try {
                Layout layout = stream.table() != null ? tableLayout(stream) : queryLayout(stream);
                layouts.put(stream.streamKey(), layout);
                return layout;
            } catch (SQLException e) {
                throw failure(stream, "reading its columns", e);
            }
        }
    }

    /** A table's or query's columns with their declared types; SQLite values are never JSON to this tool, so none is navigable. */
    @Override
    public synchronized java.util.Optional<List<SourceColumn>> columns(SourceSpec stream) {
        if (stream.table() == null && stream.query() == null) {
            return java.util.Optional.empty();
        }
        try {
            String from = stream.table() != null ? Sql.quote(tableName(stream)) + " as src" : "(" + stripped(stream.query()) + ") as src";
            List<SourceColumn> columns = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("select src.* from " + from + " limit 0")) {
                ResultSetMetaData meta = rows.getMetaData();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    String declared = meta.getColumnTypeName(i);
                    columns.add(new SourceColumn(meta.getColumnLabel(i), declared == null ? "" : declared, false));
                }
            }
            return java.util.Optional.of(columns);
        } catch (SQLException e) {
            throw failure(stream, "reading its columns", e);
        }
    }

    /** The table's name as the file spells it; a clear error listing the tables when there is none. */
    private String tableName(SourceSpec stream) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select name from sqlite_schema where type in ('table', 'view') and name = ? collate nocase")) {
            statement.setString(1, stream.table());
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    return rows.getString(1);
                }
            }
        }
        throw new SourceException("The " + description + " has no table '" + stream.table() + "'" + where(stream)
                + " (its tables: " + String.join(", ", tables()) + "). Check 'from: { table: ... }' in the plan.", null);
    }

    private static String stripped(String query) {
        String text = query.strip();
        while (text.endsWith(";")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        return text;
    }

    private Layout tableLayout(SourceSpec stream) throws SQLException {
        String table = stream.table();
        String type = null;
        String name = table;
        try (PreparedStatement statement = connection.prepareStatement(
                "select type, name from sqlite_schema where type in ('table', 'view') and name = ? collate nocase")) {
            statement.setString(1, table);
            try (ResultSet rows = statement.executeQuery()) {
                if (rows.next()) {
                    type = rows.getString(1);
                    name = rows.getString(2);
                }
            }
        }
        if (type == null) {
            throw new SourceException("The " + description + " has no table '" + table + "'" + where(stream)
                    + " (its tables: " + String.join(", ", tables()) + "). Check 'from: { table: ... }' in the plan.", null);
        }
        String from = Sql.quote(name) + " as src";
        List<String> columns = columns(from);
        Map<String, String> declared = new HashMap<>();
        List<String> primaryKey = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(
                "select name, type, pk from pragma_table_xinfo(?) order by pk")) {
            statement.setString(1, name);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    declared.put(rows.getString(1).toLowerCase(Locale.ROOT), rows.getString(2) == null ? "" : rows.getString(2));
                    if (rows.getInt(3) > 0) {
                        primaryKey.add(rows.getString(1));
                    }
                }
            }
        }
        String what = "table '" + name + "'";
        String partition = stream.partition() == null ? null : "src." + Sql.quote(column(stream, columns, stream.partition(), what, "partition"));
        boolean indexed = partition != null && indexable(declared.getOrDefault(stream.partition().toLowerCase(Locale.ROOT), ""));
        List<String> order = orderBy(stream, columns, what);
        if (type.equals("table") && !withoutRowid(name)) {
            String rowid = rowidAlias(columns);
            order.add(rowid != null ? "src." + rowid : allColumns(columns));
        } else if (!primaryKey.isEmpty()) {
            primaryKey.forEach(c -> order.add("src." + Sql.quote(c)));
        } else {
            order.add(allColumns(columns));
        }
        return new Layout(from, partition, indexed, String.join(", ", order));
    }

    private Layout queryLayout(SourceSpec stream) throws SQLException {
        String query = stream.query().strip();
        while (query.endsWith(";")) {
            query = query.substring(0, query.length() - 1).strip();
        }
        String from = "(" + query + ") as src";
        List<String> columns = columns(from);
        String what = "query of " + stream.label();
        String partition = stream.partition() == null ? null : "src." + Sql.quote(column(stream, columns, stream.partition(), what, "partition"));
        List<String> order = orderBy(stream, columns, what);
        // a query has no rowid: its rows are ordered by every column
        order.add(allColumns(columns));
        return new Layout(from, partition, false, String.join(", ", order));
    }

    private List<String> columns(String from) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select src.* from " + from + " limit 0")) {
            ResultSetMetaData meta = rows.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.add(meta.getColumnLabel(i));
            }
            return columns;
        }
    }

    /** The column as the relation spells it; a clear error naming the columns there are when it is missing. */
    private String column(SourceSpec stream, List<String> columns, String wanted, String what, String planKey) {
        for (String column : columns) {
            if (column.equalsIgnoreCase(wanted)) {
                return column;
            }
        }
        throw new SourceException("The " + what + " in " + description + " has no column '" + wanted + "'" + where(stream)
                + " (its columns: " + String.join(", ", columns) + "). Check '" + planKey + "' in the plan.", null);
    }

    private List<String> orderBy(SourceSpec stream, List<String> columns, String what) {
        List<String> order = new ArrayList<>();
        for (String wanted : stream.orderBy()) {
            order.add("src." + Sql.quote(column(stream, columns, wanted, what, "order_by")));
        }
        return order;
    }

    /** Every column, by position after the user key column, compared byte for byte. */
    private static String allColumns(List<String> columns) {
        StringJoiner order = new StringJoiner(", ");
        for (int i = 0; i < columns.size(); i++) {
            order.add((i + 2) + " collate binary");
        }
        return order.toString();
    }

    private static String rowidAlias(List<String> columns) {
        for (String alias : List.of("rowid", "_rowid_", "oid")) {
            if (columns.stream().noneMatch(alias::equalsIgnoreCase)) {
                return alias;
            }
        }
        return null;
    }

    private boolean withoutRowid(String table) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select wr from pragma_table_list where schema = 'main' and name = ? collate nocase")) {
            statement.setString(1, table);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getInt(1) != 0;
            }
        }
    }

    private List<String> tables() {
        List<String> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select name from sqlite_schema where type in ('table', 'view')"
                     + " and name not like 'sqlite!_%' escape '!' order by name")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        } catch (SQLException e) {
            names.add("(cannot be listed: " + e.getMessage() + ")");
        }
        return names.isEmpty() ? List.of("none") : names;
    }

    /**
     * True when the column's declared type gives it INTEGER or TEXT affinity: then a key's text,
     * converted by that affinity, finds the stored value and an index on the column can be used.
     * REAL, NUMERIC and untyped (BLOB) columns are compared by the text of every row instead.
     */
    static boolean indexable(String declaredType) {
        String type = declaredType.toUpperCase(Locale.ROOT);
        return type.contains("INT") || type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT");
    }

    private static void requirePartition(SourceSpec stream, Layout layout) {
        if (layout.partition() == null) {
            throw new SourceException("The legacy source " + stream.label() + " has no partition: set the plan's 'partition'"
                    + " or this source's 'partition' to the column naming the user.", null);
        }
    }

    private static String where(SourceSpec stream) {
        return stream.at() == null || stream.at().line() == 0 ? "" : " (plan " + stream.at().file() + " line " + stream.at().line() + ")";
    }

    private SourceException failure(SourceSpec stream, String doing, SQLException e) {
        String what = stream.table() != null ? "table '" + stream.table() + "'" : "query of " + stream.label();
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        boolean names = message.contains("no such column") || message.contains("no such table") || message.contains("syntax error");
        return new SourceException("Reading the legacy " + what + " from " + description + " failed while " + doing + ": "
                + message + (names ? ". Check the table, query, partition and order_by names in the plan." : ""), e);
    }

    // ------------------------------------------------------------------ checks and lifecycle

    @Override
    public synchronized BigDecimal scalar(String sql) {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            if (!rows.next()) {
                return null;
            }
            Object value = rows.getObject(1);
            if (value == null) {
                return null;
            }
            if (value instanceof Integer || value instanceof Long) {
                return BigDecimal.valueOf(((Number) value).longValue());
            }
            if (value instanceof Double d && Double.isFinite(d)) {
                return BigDecimal.valueOf(d);
            }
            if (value instanceof String text) {
                try {
                    return new BigDecimal(text.strip());
                } catch (NumberFormatException notANumber) {
                    // reported below
                }
            }
            throw new SourceException("A check's query on the source (" + description + ") returned "
                    + Json.write(value(value)) + ", not a number: " + sql, null);
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
        for (Connection cursor : List.copyOf(cursors)) {
            close(cursor);
        }
        cursors.clear();
        close(connection);
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // a read-only connection: nothing to lose
        }
    }
}
