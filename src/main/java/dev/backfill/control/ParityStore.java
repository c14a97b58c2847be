package dev.backfill.control;

import dev.backfill.db.ChecksumSql;
import dev.backfill.db.NoNestedLoops;
import dev.backfill.db.Sql;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parity's reads of the control schema: user counts, the dry run's planned counts, the ledger's totals
 * per writing transaction (what apply proved), and, per user, the rows and checksum the ledger recorded
 * next to those PostgreSQL computes from the target rows with those keys now. Nothing is pulled into
 * Java but the totals.
 */
public final class ParityStore {
    private static final String MIGRATED = "'" + UserStatus.MIGRATED.sql() + "'";
    /** The trusted-xid expression that trusts no row version: every row is hashed. */
    private static final String NO_TRUST = "null::xid";

    /** One user's comparison for one entity. */
    public record UserChecksums(long writtenRows, long targetRows, boolean matches) {}

    private final ControlSchema control;
    private final String plan;

    ParityStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Users by status, and per entity {legacy, planned, legacy of migrated users, planned of migrated users}. */
    public record Counts(UserCounts users, Map<String, long[]> planned) {}

    /**
     * The users' counts and the dry run's per-user planned counts of these entities, in one pass over the
     * users table: each entity's numbers are read from the user's {@code entities} by name, which costs a
     * third of expanding every user's object into rows and grouping them (0.3 s instead of 0.5 s for 100k users).
     */
    public Counts counts(Connection connection, List<String> entities) throws SQLException {
        String shared = "user_key <> ?";
        StringBuilder sql = new StringBuilder("select count(*) filter (where " + shared + "), count(*) filter (where " + shared
                + " and status = " + MIGRATED + ")");
        for (UserStatus status : List.of(UserStatus.APPROVED, UserStatus.FAILED, UserStatus.SOURCE_CHANGED, UserStatus.TARGET_CHANGED)) {
            sql.append(", count(*) filter (where ").append(shared).append(" and status = '").append(status.sql()).append("')");
        }
        for (int i = 0; i < entities.size(); i++) {
            for (String field : List.of("legacy", "planned")) {
                sql.append(", coalesce(sum((entities->?->>'").append(field).append("')::bigint), 0)");
                sql.append(", coalesce(sum((entities->?->>'").append(field).append("')::bigint) filter (where status = ")
                        .append(MIGRATED).append("), 0)");
            }
        }
        sql.append(" from ").append(control.table("users")).append(" where plan = ?");
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int p = 1;
            for (int i = 0; i < 6; i++) {
                statement.setString(p++, DryRunStore.SHARED_USER);
            }
            for (String entity : entities) {
                for (int i = 0; i < 4; i++) {
                    statement.setString(p++, entity);
                }
            }
            statement.setString(p, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long total = rows.getLong(1);
                long migrated = rows.getLong(2);
                UserCounts users = new UserCounts(total, migrated, rows.getLong(3), rows.getLong(4), rows.getLong(5), rows.getLong(6),
                        total - migrated);
                Map<String, long[]> planned = new HashMap<>();
                for (int i = 0; i < entities.size(); i++) {
                    int c = 7 + 4 * i;
                    // columns: legacy, legacy of migrated, planned, planned of migrated
                    planned.put(entities.get(i), new long[] {rows.getLong(c), rows.getLong(c + 2), rows.getLong(c + 1), rows.getLong(c + 3)});
                }
                return new Counts(users, planned);
            }
        }
    }

    /** True when the shared rows (batch 0) exist and are not migrated yet. */
    public boolean sharedPending(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select exists (select 1 from " + control.table("users")
                + " where plan = ? and user_key = ? and status <> " + MIGRATED + ")")) {
            statement.setString(1, plan);
            statement.setString(2, DryRunStore.SHARED_USER);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    /** The migrated users' total for a plan check that compares with the legacy side ({@code expect: legacy}). */
    public BigDecimal checkTotal(Connection connection, String check) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select coalesce(sum((check_totals->>?)::numeric), 0) from "
                + control.table("users") + " where plan = ? and status = " + MIGRATED)) {
            statement.setString(1, check);
            statement.setString(2, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getBigDecimal(1);
            }
        }
    }

    public Optional<UserStatus> status(Connection connection, String user) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select status from " + control.table("users")
                + " where plan = ? and user_key = ?")) {
            statement.setString(1, plan);
            statement.setString(2, user);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(UserStatus.of(rows.getString(1))) : Optional.empty();
            }
        }
    }

    /**
     * The active ledger rows of the plan grouped by entity, table and the transaction that wrote them (with the
     * proof apply recorded, V4): how many rows, and the sum of their identity hashes. Rows without a proof
     * (written before V4, or where apply could not rely on xmin) form one group per entity, with a null xid.
     * Reads only the narrow {@code ledger_parity} index when the table is vacuumed.
     */
    public List<Bucket> buckets(Connection connection) throws SQLException {
        String sql = "select entity, target_table, written_xid::text, written_system, coalesce(sum(row_count), 0), coalesce(sum(key_hash), 0)::text"
                + " from " + control.table("ledger") + " where plan = ? and rolled_back_at is null group by 1, 2, 3, 4";
        List<Bucket> buckets = new java.util.ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql); Planner ignored = fromParityIndex(connection, false)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    long system = rows.getLong(4);
                    buckets.add(new Bucket(rows.getString(1), rows.getString(2), rows.getString(3), rows.wasNull() ? null : system,
                            rows.getLong(5), new java.math.BigInteger(rows.getString(6))));
                }
            }
        }
        return buckets;
    }

    /** Planner settings for one query, put back afterwards. */
    private interface Planner extends AutoCloseable {
        @Override
        void close() throws SQLException;
    }

    /**
     * Steers a whole-ledger aggregate onto the narrow {@code ledger_parity} index, read alone: the planner
     * prices a full index scan at random-page cost and picks the wide table (0.5 s instead of 0.15 s for 300k
     * ledger rows). Only while the ledger is nearly all-visible (apply vacuums it after each batch); otherwise
     * the index would send every row to the table anyway, and the planner keeps its own choice.
     * {@code inIndexOrder}: group in the index's (entity, user) order rather than hashing every user.
     */
    private Planner fromParityIndex(Connection connection, boolean inIndexOrder) throws SQLException {
        boolean visible;
        try (PreparedStatement statement = connection.prepareStatement("select relallvisible >= 0.9 * relpages from pg_class where oid = ?::regclass")) {
            statement.setString(1, control.table("ledger"));
            try (ResultSet rows = statement.executeQuery()) {
                visible = rows.next() && rows.getBoolean(1);
            }
        }
        if (!visible) {
            return () -> { };
        }
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.execute("set enable_seqscan = off");
            statement.execute("set enable_bitmapscan = off");
            if (inIndexOrder) {
                statement.execute("set enable_hashagg = off");
            }
        }
        return () -> {
            try (java.sql.Statement statement = connection.createStatement()) {
                statement.execute("reset enable_seqscan");
                statement.execute("reset enable_bitmapscan");
                statement.execute("reset enable_hashagg");
            }
        };
    }

    /** Ledger rows of one entity written by one transaction (null {@code xid}: no proof), with their row count and identity hash sum. */
    public record Bucket(String entity, String table, String xid, Long system, long rows, java.math.BigInteger keyHash) {}

    /** Per entity: the users with active ledger rows (each compared) and the rows they record. */
    public Map<String, long[]> usersChecked(Connection connection) throws SQLException {
        String sql = "select entity, count(*), sum(rows) from (select entity, user_key, sum(row_count) as rows from " + control.table("ledger")
                + " where plan = ? and rolled_back_at is null group by 1, 2) u group by 1";
        Map<String, long[]> users = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql); Planner ignored = fromParityIndex(connection, true)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    users.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
                }
            }
        }
        return users;
    }

    /**
     * Which ledger rows of an entity parity trusts without hashing: those apply proved, in this cluster
     * ({@code system}), written by a transaction whose id is within 2^31 of now, so that a 32-bit xmin names it alone.
     */
    public record Trust(long system, String lowestXid, String highestXid) {}

    /** A user whose rows differ: its rows in the ledger and in the target. */
    public record UserDiff(String user, long expectedRows, long actualRows, boolean matches) {}

    /**
     * Per user, the ledger rows of the entity that parity could not clear from their transaction's totals
     * ({@code settled}: transactions, as xid8 text, whose rows the table holds exactly as written) compared
     * with the target rows they name now: every row is hashed as before (MD5 over its hash texts), but one
     * still carrying the xmin of a trusted writing transaction, which is the very row version apply read back
     * and found equal to its planned row, counts with its planned hash. {@code trust} null: hash every row.
     */
    public List<UserDiff> drill(Connection connection, Entity entity, TargetShape shape, Trust trust, List<String> settled)
            throws SQLException {
        String xid = trust == null ? NO_TRUST : "case when l.written_system = " + trust.system() + " and l.written_xid between '"
                + trust.lowestXid() + "'::xid8 and '" + trust.highestXid() + "'::xid8 then xid(l.written_xid) end";
        // xid8 values are numbers the server printed: safe to write into the SQL, where the planner hashes a constant list
        String unsettled = trust == null || settled.isEmpty() ? "" : " and not (l.written_system is not distinct from " + trust.system()
                + " and l.written_xid = any('{" + String.join(",", settled) + "}'::xid8[]))";
        String sql = "select user_key, expected_rows, actual_rows, matches from (" + checksumSql(entity, shape, unsettled, xid) + ") x";
        List<UserDiff> users = new java.util.ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql); NoNestedLoops ignored = NoNestedLoops.on(connection)) {
            statement.setString(1, plan);
            statement.setString(2, entity.name());
            statement.setString(3, plan);
            statement.setString(4, entity.name());
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    users.add(new UserDiff(rows.getString(1), rows.getLong(2), rows.getLong(3), rows.getBoolean(4)));
                }
            }
        }
        return users;
    }

    /** One user's rows of the entity, every row hashed (a handful of rows: no need for apply's proofs). */
    public UserChecksums user(Connection connection, Entity entity, TargetShape shape, String user) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select coalesce(sum(expected_rows), 0), coalesce(sum(actual_rows), 0), coalesce(bool_and(matches), true) from ("
                        + checksumSql(entity, shape, " and l.user_key = ?", NO_TRUST) + ") x")) {
            statement.setString(1, plan);
            statement.setString(2, entity.name());
            statement.setString(3, user);
            statement.setString(4, plan);
            statement.setString(5, entity.name());
            statement.setString(6, user);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return new UserChecksums(rows.getLong(1), rows.getLong(2), rows.getBoolean(3));
            }
        }
    }

    /**
     * Per user: the rows and checksum the ledger recorded, next to the rows and checksum PostgreSQL
     * computes from the target rows with those keys now. {@code trustedXid}: an expression over the ledger
     * row {@code l} giving the xid whose row versions count with their planned hash (null: hash them all).
     * Parameters: plan, entity, [extra], plan, entity, [extra].
     */
    private String checksumSql(Entity entity, TargetShape shape, String extraCondition, String trustedXid) {
        String ledger = control.table("ledger");
        List<String> ids = entity.identityColumns();
        String rows = " where l.plan = ? and l.entity = ? and l.rolled_back_at is null" + extraCondition;
        // without a trusted transaction every row is hashed: no need to read each row's planned hash
        boolean trusted = !trustedXid.equals(NO_TRUST);
        String keys = trusted ? " cross join jsonb_array_elements(l.row_keys) with ordinality as e(value, ord)"
                : " cross join jsonb_array_elements(l.row_keys) e";
        return "with expected as (select l.user_key, sum(l.row_count) as rows, sum(l.checksum) as checksum from " + ledger + " l" + rows
                + " group by l.user_key),"
                // count(t.<identity>), not count(t.*): a whole-row value makes every joined row as wide as the table and
                // turns the per-user grouping into a sort that spills to disk (5.7 s instead of 2.3 s for 400k rows)
                + " actual as (select k.user_key, count(t." + Sql.quote(ids.get(0)) + ") as rows, coalesce(sum(case when t.xmin = k.xid"
                + " then k.row_hash else " + ChecksumSql.rowHash("t", entity.targetColumns(), LedgerSql.types(shape, entity))
                + " end), 0) as checksum from (select l.user_key, e.value as key, " + (trusted ? "l.row_hashes[e.ord]" : "null::bigint")
                + " as row_hash, " + trustedXid + " as xid from " + ledger + " l" + keys + rows + ") k left join "
                + Sql.table(entity.into()) + " t on " + LedgerSql.identityMatch(entity, shape, "t", "k.key") + " group by k.user_key)"
                + " select e.user_key, e.rows as expected_rows, a.rows as actual_rows,"
                + " (e.rows = a.rows and e.checksum = a.checksum) as matches from expected e join actual a using (user_key)";
    }
}
