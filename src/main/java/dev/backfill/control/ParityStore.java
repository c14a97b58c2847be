package dev.backfill.control;

import dev.backfill.db.ChecksumSql;
import dev.backfill.db.NoNestedLoops;
import dev.backfill.db.Sql;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parity's reads of the control schema: user counts, the dry run's planned counts, and, per user,
 * the rows and checksum the ledger recorded next to those PostgreSQL computes from the target rows
 * with those keys now. Nothing is pulled into Java but the totals.
 */
public final class ParityStore {
    private static final String MIGRATED = "'" + UserStatus.MIGRATED.sql() + "'";

    /** One entity's comparison over every migrated user. */
    public record EntityChecksums(long usersChecked, long usersMismatched, long writtenRows, long targetRows, List<String> sample) {}

    /** One user's comparison for one entity. */
    public record UserChecksums(long writtenRows, long targetRows, boolean matches) {}

    private final ControlSchema control;
    private final String plan;

    ParityStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    public UserCounts userCounts(Connection connection) throws SQLException {
        String sql = "select count(*), count(*) filter (where status = " + MIGRATED + "),"
                + " count(*) filter (where status = '" + UserStatus.APPROVED.sql() + "'),"
                + " count(*) filter (where status = '" + UserStatus.FAILED.sql() + "'),"
                + " count(*) filter (where status = '" + UserStatus.SOURCE_CHANGED.sql() + "'),"
                + " count(*) filter (where status = '" + UserStatus.TARGET_CHANGED.sql() + "') from "
                + control.table("users") + " where plan = ? and user_key <> ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setString(2, DryRunStore.SHARED_USER);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                long total = rows.getLong(1);
                long migrated = rows.getLong(2);
                return new UserCounts(total, migrated, rows.getLong(3), rows.getLong(4), rows.getLong(5), rows.getLong(6), total - migrated);
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

    /** Entity → {legacy, planned, legacy of migrated users, planned of migrated users}, from the dry run's per-user counts. */
    public Map<String, long[]> plannedCounts(Connection connection) throws SQLException {
        String sql = "select e.key, sum((e.value->>'legacy')::bigint), sum((e.value->>'planned')::bigint),"
                + " coalesce(sum((e.value->>'legacy')::bigint) filter (where u.status = " + MIGRATED + "), 0),"
                + " coalesce(sum((e.value->>'planned')::bigint) filter (where u.status = " + MIGRATED + "), 0)"
                + " from " + control.table("users") + " u cross join jsonb_each(u.entities) e where u.plan = ? group by e.key";
        Map<String, long[]> counts = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3), rows.getLong(4), rows.getLong(5)});
                }
            }
        }
        return counts;
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

    /** Every migrated user's rows of the entity compared with what apply wrote, with a sample of the users that differ. */
    public EntityChecksums entity(Connection connection, Entity entity, TargetShape shape, int sampleSize) throws SQLException {
        String sql = "select count(*), count(*) filter (where not matches), coalesce(sum(expected_rows), 0), coalesce(sum(actual_rows), 0),"
                + " (array_agg(user_key order by user_key) filter (where not matches))[1:" + sampleSize + "] from ("
                + checksumSql(entity, shape, "") + ") x";
        try (PreparedStatement statement = connection.prepareStatement(sql); NoNestedLoops ignored = NoNestedLoops.on(connection)) {
            statement.setString(1, plan);
            statement.setString(2, entity.name());
            statement.setString(3, plan);
            statement.setString(4, entity.name());
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                Array array = rows.getArray(5);
                List<String> sample = array == null ? List.of() : Arrays.asList((String[]) array.getArray());
                return new EntityChecksums(rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4), sample);
            }
        }
    }

    public UserChecksums user(Connection connection, Entity entity, TargetShape shape, String user) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select coalesce(sum(expected_rows), 0), coalesce(sum(actual_rows), 0), coalesce(bool_and(matches), true) from ("
                        + checksumSql(entity, shape, " and l.user_key = ?") + ") x")) {
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
     * computes from the target rows with those keys now. Parameters: plan, entity, [extra], plan, entity, [extra].
     */
    private String checksumSql(Entity entity, TargetShape shape, String extraCondition) {
        String ledger = control.table("ledger");
        List<String> columns = entity.targetColumns();
        List<String> ids = entity.identityColumns();
        return "with expected as (select l.user_key, sum(l.row_count) as rows, sum(l.checksum) as checksum from " + ledger + " l"
                + " where l.plan = ? and l.entity = ? and l.rolled_back_at is null" + extraCondition + " group by l.user_key),"
                // count(t.<identity>), not count(t.*): a whole-row value makes every joined row as wide as the table and
                // turns the per-user grouping into a sort that spills to disk (5.7 s instead of 2.3 s for 400k rows)
                + " actual as (select k.user_key, count(t." + Sql.quote(ids.get(0)) + ") as rows, coalesce(sum("
                + ChecksumSql.rowHash("t", columns, LedgerSql.types(shape, entity))
                + "), 0) as checksum from (select l.user_key, e.value as key from " + ledger + " l cross join jsonb_array_elements(l.row_keys) e"
                + " where l.plan = ? and l.entity = ? and l.rolled_back_at is null" + extraCondition + ") k left join "
                + Sql.table(entity.into()) + " t on " + LedgerSql.identityMatch(entity, shape, "t", "k.key") + " group by k.user_key)"
                + " select e.user_key, e.rows as expected_rows, a.rows as actual_rows,"
                + " (e.rows = a.rows and e.checksum = a.checksum) as matches from expected e join actual a using (user_key)";
    }
}
