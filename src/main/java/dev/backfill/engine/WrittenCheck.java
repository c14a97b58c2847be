package dev.backfill.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.control.ApplyStore;
import dev.backfill.db.ChecksumSql;
import dev.backfill.db.IndexJoins;
import dev.backfill.db.OwnTriggers;
import dev.backfill.db.Sql;
import dev.backfill.db.UniqueIndexes;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.RowHash;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.postgresql.PGConnection;

/**
 * Reads back, in apply's own transaction and after its last write to the target, every row the
 * transaction is about to ledger, and compares each with its planned row: PostgreSQL computes the
 * row's MD5 row hash (the one parity has always computed) from the stored row and it must equal the
 * hash of the reviewed values. A target trigger, rule or default that changed a written value, or a
 * row that is not there (or twice) after the write, fails its user before anything commits.
 *
 * <p>Where the server cannot have changed a value (no trigger or rule on a plain table, every column written
 * in its own exact type: {@link #rowsAsWritten}), the rows are counted and proved without hashing them: the
 * hash of a value PostgreSQL parsed from the text apply wrote is then the planned one by construction.
 *
 * <p>The same pass records what parity needs to trust those rows later without hashing them again
 * (see {@link ApplyStore.Proof}): the transaction id the rows carry as {@code xmin}, and the sum of
 * their identity hashes.
 */
final class WrittenCheck {
    /** Rows listed per user when a user fails: enough to find the trigger, short enough to read. */
    private static final int ROWS_SHOWN = 5;

    /**
     * One ledger row the transaction is about to write, with its rows' identity values (the ledger's
     * {@code row_keys}, in {@code row_hashes} order) and the batch it is ledgered to. {@code released}:
     * another user's row that waited for this transaction's rows.
     */
    record Written(Entity entity, ApplyStore.LedgerEntry entry, JsonNode keys, int batch, boolean released) {}

    /**
     * Only waiting rows of other users, released in this transaction, differ ({@link ReleaseMode#key} → how): not
     * this transaction's users' fault, so the transaction is written again without them ({@link ReleaseMode}).
     */
    static final class ReleasedRowsDiffer extends RuntimeException {
        private final transient Map<String, String> rows;

        ReleasedRowsDiffer(Map<String, String> rows) {
            super(rows.size() + " waiting row(s) of other users written differently than planned: " + rows.values());
            this.rows = Map.copyOf(rows);
        }

        Map<String, String> rows() {
            return rows;
        }
    }

    /**
     * Users whose rows are not as planned after writing them, each with the rows and columns that differ.
     * The transaction is rolled back; apply fails these users alone and writes the others again.
     */
    static final class RowsDiffer extends RuntimeException {
        private final transient Map<String, String> users;

        RowsDiffer(Map<String, String> users) {
            super(users.size() + " user(s) written differently than planned: " + users.keySet());
            this.users = Map.copyOf(users);
        }

        Map<String, String> users() {
            return users;
        }
    }

    /**
     * Stored column types whose input function gives back, from the text apply writes, a value whose hash
     * text is exactly the one Java computed from the planned value ({@code ChecksumRoundTripIT} proves it
     * for each, with hostile values). A domain, a length, a precision or an enum is not here: such a column
     * may store another value than the one written (varchar(n) drops trailing spaces, numeric(p,s) rounds).
     */
    private static final Set<String> EXACT_TYPES = Set.of("text", "character varying", "uuid", "boolean", "smallint", "integer", "bigint",
            "numeric", "date", "timestamp with time zone", "timestamp without time zone", "json", "jsonb", "text[]", "uuid[]", "integer[]",
            "bigint[]");

    private final TargetShape written;
    private final TargetShape stored;
    /** Per entity: every column is written in its stored type and that type is exact; see {@link #rowsAsWritten}. */
    private final Map<Entity, Boolean> exactColumns = new java.util.concurrent.ConcurrentHashMap<>();
    /** The cluster's system identifier, or empty where it cannot be read: then no proof is recorded and parity hashes the rows. */
    private final Optional<Long> system;
    /** Whether the server has what the proof needs (xid8, hash_record_extended: PostgreSQL 14). */
    private final boolean proofs;

    /**
     * {@code written}: the types apply writes the columns in (the plan's {@code as:}, else the target's);
     * {@code stored}: the target's own column types, which the row hashes are computed in (as parity does).
     */
    WrittenCheck(TargetShape written, TargetShape stored, Optional<Long> system, boolean proofs) {
        this.written = written;
        this.stored = stored;
        this.system = system;
        this.proofs = proofs && system.isPresent();
    }

    /** Reads what the proof needs from the server, once per apply: its version and its system identifier. */
    static WrittenCheck forServer(Connection connection, TargetShape written, TargetShape stored) throws SQLException {
        boolean proofs = connection.getMetaData().getDatabaseMajorVersion() >= 14;
        Optional<Long> system = Optional.empty();
        if (proofs) {
            try (Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("select system_identifier from pg_control_system()")) {
                system = rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
            } catch (SQLException e) {
                // a server that hides its control data (some hosted ones): apply still checks every row, parity hashes them
                system = Optional.empty();
            }
        }
        return new WrittenCheck(written, stored, system, proofs);
    }

    /**
     * Checks every row of these ledger rows in the caller's transaction, which must have written all of
     * them. Returns the ledger rows with their proofs (same order), or throws {@link RowsDiffer} naming the
     * users whose rows differ, or, when only waiting rows of other users released here differ,
     * {@link ReleasedRowsDiffer} naming those rows.
     */
    List<Written> check(Connection connection, List<Written> written) throws SQLException {
        if (written.isEmpty()) {
            return written;
        }
        try (Statement statement = connection.createStatement()) {
            // deferred constraint triggers would otherwise run at commit, after this check: run them now
            statement.execute("set constraints all immediate");
        }
        Map<Entity, List<Integer>> byEntity = new LinkedHashMap<>();
        for (int i = 0; i < written.size(); i++) {
            byEntity.computeIfAbsent(written.get(i).entity(), e -> new ArrayList<>()).add(i);
        }
        Map<Integer, Found> found = new LinkedHashMap<>();
        for (Map.Entry<Entity, List<Integer>> entity : byEntity.entrySet()) {
            found.putAll(found(connection, entity.getKey(), written, entity.getValue()));
        }
        Map<Entity, List<Integer>> differing = new LinkedHashMap<>();
        for (int i = 0; i < written.size(); i++) {
            Found f = found.get(i);
            int planned = written.get(i).entry().rowCount();
            if (f.rows() != planned || f.missing() > 0 || f.differing() > 0) {
                differing.computeIfAbsent(written.get(i).entity(), e -> new ArrayList<>()).add(i);
            }
        }
        if (!differing.isEmpty()) {
            throw failure(connection, written, differing);
        }
        String xid = proofs ? currentXid(connection) : null;
        List<Written> proven = new ArrayList<>(written.size());
        for (int i = 0; i < written.size(); i++) {
            Written w = written.get(i);
            Found f = found.get(i);
            // rows written in a subtransaction carry its id, not the transaction's: no proof, parity hashes them
            ApplyStore.Proof proof = proofs && f.own() ? new ApplyStore.Proof(xid, system.orElseThrow(), f.keyHash()) : null;
            proven.add(new Written(w.entity(), w.entry().withProof(proof), w.keys(), w.batch(), w.released()));
        }
        return proven;
    }

    /**
     * What the target holds now for one ledger row: how many rows its keys find, how many of its keys find
     * none (a key found twice and another not at all must not pass as the right count), how many rows
     * differ from the plan, and the proof's parts.
     */
    private record Found(long rows, long missing, long differing, BigInteger keyHash, boolean own) {}

    private Map<Integer, Found> found(Connection connection, Entity entity, List<Written> written, List<Integer> indexes)
            throws SQLException {
        List<String> columns = entity.targetColumns();
        List<ColumnType> types = columns.stream().map(c -> stored.type(entity, c)).toList();
        List<String> identity = entity.identityColumns();
        String first = "t." + Sql.quote(identity.get(0));
        // rows the server cannot have changed are as planned: counting and proving them needs no hash of their values
        String differs = rowsAsWritten(connection, entity) ? "false" : ChecksumSql.rowHash("t", columns, types) + " <> k.planned";
        String sql = "select k.entry, count(" + first + "), count(*) filter (where " + first + " is null),"
                + " count(*) filter (where " + first + " is not null and " + differs + ")"
                + (proofs ? ", coalesce(sum(" + ChecksumSql.keyHash("t", identity, identity.stream().map(c -> stored.type(entity, c)).toList())
                + "), 0)::text, coalesce(bool_and(t.xmin = xid(pg_current_xact_id())), false)" : "")
                + " from " + keys(entity) + " group by k.entry";
        Map<Integer, Found> found = new LinkedHashMap<>();
        indexes.forEach(i -> found.put(i, new Found(0, 0, 0, BigInteger.ZERO, false)));
        try (IndexJoins ignored = IndexJoins.on(connection, keysIndexed(connection, entity));
             PreparedStatement statement = connection.prepareStatement(sql)) {
            bindKeys(connection, statement, entity, written, indexes);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getInt(1), new Found(rows.getLong(2), rows.getLong(3), rows.getLong(4),
                            proofs ? new BigInteger(rows.getString(5)) : BigInteger.ZERO, proofs && rows.getBoolean(6)));
                }
            }
        }
        return found;
    }

    /**
     * Whether the rows this transaction wrote into the entity's table are, value for value, the text apply
     * wrote: every column is written in its stored type and that type is exact ({@link #EXACT_TYPES}), and
     * the table is a plain table without a trigger (other than the foreign keys' own, which change nothing)
     * or a rule. Asked in the writing transaction after its writes, which hold a lock that keeps anyone from
     * adding a trigger or rule until it ends. Else the check hashes every row it reads back.
     */
    private boolean rowsAsWritten(Connection connection, Entity entity) throws SQLException {
        if (!exactColumns.computeIfAbsent(entity, this::allColumnsExact)) {
            return false;
        }
        try (PreparedStatement statement = connection.prepareStatement("select c.relkind = 'r'"
                + " and not " + OwnTriggers.exist("c.oid")
                + " and not exists (select 1 from pg_rewrite r where r.ev_class = c.oid and r.rulename <> '_RETURN')"
                + " from pg_class c where c.oid = to_regclass(?)")) {
            statement.setString(1, Sql.table(entity.into()));
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    private boolean allColumnsExact(Entity entity) {
        for (String column : entity.targetColumns()) {
            ColumnType as = written.type(entity, column);
            ColumnType type = stored.type(entity, column);
            if (as == null || type == null || as.coercion() != type.coercion() || !EXACT_TYPES.contains(type.sqlType())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a unique index finds each key ({@link #keys} compares them in the column's own type). Then the
     * read-back looks every key up: a table the planner thinks small next to a chunk's keys (a target that
     * starts empty and grows) was otherwise hashed whole for every chunk, its cost growing with the table.
     * Asked for every check: an index dropped meanwhile must not leave a nested loop scanning the table per key.
     * Unlike rollback's ({@code Rollback.keysIndexed}), a table's own triggers do not matter: a SELECT fires none.
     */
    private boolean keysIndexed(Connection connection, Entity entity) throws SQLException {
        return entity.identityColumns().stream().allMatch(c -> stored.type(entity, c) != null)
                && UniqueIndexes.covering(connection, entity.into(), entity.identityColumns()).isPresent();
    }

    /** The keys of some ledger rows as a relation {@code k(entry, ord, planned, k0, k1, ...)}, left-joined to the target rows they name. */
    private String keys(Entity entity) {
        List<String> identity = entity.identityColumns();
        StringBuilder sql = new StringBuilder("unnest(?::int4[], ?::int4[], ?::int8[]");
        identity.forEach(c -> sql.append(", ?::text[]"));
        sql.append(") as k(entry, ord, planned");
        for (int i = 0; i < identity.size(); i++) {
            sql.append(", k").append(i);
        }
        sql.append(") left join ").append(Sql.table(entity.into())).append(" t on ");
        for (int i = 0; i < identity.size(); i++) {
            ColumnType type = stored.type(entity, identity.get(i));
            sql.append(i == 0 ? "" : " and ").append("t.").append(Sql.quote(identity.get(i))).append(" = k.k").append(i).append("::")
                    .append(type == null ? "text" : type.sqlType());
        }
        return sql.toString();
    }

    private static void bindKeys(Connection connection, PreparedStatement statement, Entity entity, List<Written> written,
                                 List<Integer> indexes) throws SQLException {
        int identity = entity.identityColumns().size();
        int rows = 0;
        for (int index : indexes) {
            rows += written.get(index).entry().rowHashes().length;
        }
        // primitive arrays: pgjdbc sends them as they are, where lists of boxed numbers cost an object per key
        int[] entry = new int[rows];
        int[] ord = new int[rows];
        long[] planned = new long[rows];
        String[][] keys = new String[identity][rows];
        int at = 0;
        for (int index : indexes) {
            Written w = written.get(index);
            long[] hashes = w.entry().rowHashes();
            for (int r = 0; r < hashes.length; r++, at++) {
                JsonNode key = w.keys().get(r);
                entry[at] = index;
                ord[at] = r;
                planned[at] = hashes[r];
                for (int i = 0; i < identity; i++) {
                    JsonNode value = key.get(i);
                    keys[i][at] = value == null || value.isNull() ? null : value.asText();
                }
            }
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        int p = 1;
        statement.setArray(p++, pg.createArrayOf("int4", entry));
        statement.setArray(p++, pg.createArrayOf("int4", ord));
        statement.setArray(p++, pg.createArrayOf("int8", planned));
        for (String[] column : keys) {
            statement.setArray(p++, connection.createArrayOf("text", column));
        }
    }

    private static String currentXid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery("select pg_current_xact_id()::text")) {
            rows.next();
            return rows.getString(1);
        }
    }

    /**
     * Which rows differ and how, read only for the ledger rows that differ: {@link RowsDiffer} naming the chunk's
     * users whose rows differ, or, when only waiting rows of other users do, {@link ReleasedRowsDiffer}.
     */
    private RuntimeException failure(Connection connection, List<Written> written, Map<Entity, List<Integer>> differing)
            throws SQLException {
        Map<String, List<String>> byUser = new LinkedHashMap<>();
        Map<String, String> released = new LinkedHashMap<>();
        // a released row of a user written here is that user's row (stored as waiting and released in this transaction)
        Set<String> own = new HashSet<>();
        written.stream().filter(w -> !w.released()).forEach(w -> own.add(w.entry().user()));
        for (Map.Entry<Entity, List<Integer>> entity : differing.entrySet()) {
            for (Map.Entry<Integer, List<String>> rows : describe(connection, entity.getKey(), written, entity.getValue()).entrySet()) {
                Written w = written.get(rows.getKey());
                if (w.released() && !own.contains(w.entry().user())) {
                    released.put(ReleaseMode.key(w.entry().user(), w.entry().entity(), pendingKey(w)),
                            "the target does not hold it as written, read back in the same transaction: "
                            + shown(rows.getValue()) + " (a trigger, rule or default of the target changes what apply writes)");
                } else {
                    byUser.computeIfAbsent(w.entry().user(), u -> new ArrayList<>()).addAll(rows.getValue());
                }
            }
        }
        if (byUser.isEmpty()) {
            return new ReleasedRowsDiffer(released);
        }
        Map<String, String> messages = new LinkedHashMap<>();
        byUser.forEach((user, rows) -> messages.put(user, "the target does not hold what was written for this user, read back in the"
                + " same transaction: " + shown(rows) + ". A trigger, rule or default of the target changes what apply writes, or the"
                + " column's type stores another form than the plan's 'as'; nothing of this user was written."));
        return new RowsDiffer(messages);
    }

    /** A released row's key as its pending row holds it: its ledger row's keys are that one key, in brackets. */
    private static String pendingKey(Written w) {
        String keys = w.entry().rowKeysJson();
        return keys.substring(1, keys.length() - 1);
    }

    private static String shown(List<String> rows) {
        return String.join("; ", rows.subList(0, Math.min(ROWS_SHOWN, rows.size())))
                + (rows.size() > ROWS_SHOWN ? "; and " + (rows.size() - ROWS_SHOWN) + " more row(s)" : "");
    }

    /** Per ledger row, its rows that are missing, found twice, or differ (naming the columns that differ). */
    private Map<Integer, List<String>> describe(Connection connection, Entity entity, List<Written> written, List<Integer> indexes)
            throws SQLException {
        List<String> columns = entity.targetColumns();
        List<ColumnType> types = columns.stream().map(c -> stored.type(entity, c)).toList();
        String first = "t." + Sql.quote(entity.identityColumns().get(0));
        String sql = "select k.entry, k.ord, count(" + first + "), (array_agg(" + ChecksumSql.columnHashes("t", columns, types) + ") filter"
                + " (where " + first + " is not null and " + ChecksumSql.rowHash("t", columns, types) + " <> k.planned))[1]"
                + " from " + keys(entity) + " group by k.entry, k.ord having count(" + first + ") <> 1 or bool_or(" + first
                + " is not null and " + ChecksumSql.rowHash("t", columns, types) + " <> k.planned) order by 1, 2";
        Map<Integer, List<String>> ordered = new LinkedHashMap<>();
        try (IndexJoins ignored = IndexJoins.on(connection, keysIndexed(connection, entity));
             PreparedStatement statement = connection.prepareStatement(sql)) {
            bindKeys(connection, statement, entity, written, indexes);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    Written w = written.get(result.getInt(1));
                    int ord = result.getInt(2);
                    long count = result.getLong(3);
                    String key = entity.into() + " " + w.keys().get(ord);
                    String what = count == 0 ? key + ": not there after writing it"
                            : count > 1 ? key + ": " + count + " rows have this key after writing it"
                            : key + ": " + String.join(", ", changed(columns, w.entry().columnHashes()[ord], result.getString(4)))
                            + " differ from the reviewed row";
                    ordered.computeIfAbsent(result.getInt(1), i -> new ArrayList<>()).add(what);
                }
            }
        }
        return ordered;
    }

    private static List<String> changed(List<String> columns, String planned, String actual) {
        List<String> changed = new ArrayList<>();
        int width = RowHash.COLUMN_HASH_DIGITS;
        for (int i = 0; i < columns.size(); i++) {
            int from = i * width;
            boolean known = planned != null && actual != null && planned.length() >= from + width && actual.length() >= from + width;
            if (!known || !planned.regionMatches(from, actual, from, width)) {
                changed.add(columns.get(i));
            }
        }
        return changed.isEmpty() ? List.of("a value") : changed;
    }
}
