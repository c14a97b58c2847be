package dev.backfill.parity;

import dev.backfill.control.ParityStore;
import dev.backfill.control.UserCounts;
import dev.backfill.db.NoNestedLoops;
import dev.backfill.db.Sql;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.CheckSpec;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parity between legacy, plan and target. PostgreSQL does the set work: counts come from the
 * control schema, and every migrated row's checksum is recomputed from the actual target row and
 * compared, per user, with the checksum apply recorded in the ledger. Nothing is pulled into Java
 * but the totals.
 */
public final class Parity {
    private static final int SAMPLE = 20;

    private final Workspace workspace;

    public Parity(Workspace workspace) {
        this.workspace = workspace;
    }

    public ParityReport compute() throws SQLException {
        long start = System.nanoTime();
        Plan plan = workspace.plan();
        TargetShape shape = workspace.catalog().storedShape();
        ParityStore store = workspace.control().parity();
        try (Connection connection = workspace.target().getConnection()) {
            UserCounts users = store.userCounts(connection);
            boolean sharedPending = store.sharedPending(connection);
            Map<String, long[]> counts = store.plannedCounts(connection);
            Map<String, Long> waiting = workspace.control().pending().waitingByEntity(connection);
            List<EntityParity> entities = new ArrayList<>();
            for (Entity entity : plan.entities()) {
                entities.add(entity(connection, store, entity, shape, counts.getOrDefault(entity.name(), new long[4]),
                        waiting.getOrDefault(entity.name(), 0L), users.pending() > 0 || sharedPending));
            }
            List<CheckParity> checks = new ArrayList<>();
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Entity entity : plan.entities()) {
                for (ColumnSpec column : entity.columns()) {
                    // two entities writing one table share its orphan and duplicate checks: list each once
                    if (column.ref() != null && seen.add("orphans " + entity.into() + "." + column.name())) {
                        checks.add(orphans(connection, entity, column, shape));
                    }
                }
            }
            for (EntityParity entity : entities) {
                if (!seen.add("duplicates " + entity.table() + " " + plan.requireEntity(entity.entity()).key())) {
                    continue;
                }
                checks.add(new CheckParity("no duplicate " + plan.requireEntity(entity.entity()).key() + " in " + entity.table(),
                        CheckParity.Kind.DUPLICATES, BigDecimal.ZERO, BigDecimal.valueOf(entity.duplicateKeys()), BigDecimal.ZERO,
                        entity.duplicateKeys() == 0 ? ParityStatus.OK : ParityStatus.MISMATCH,
                        entity.duplicateKeys() + " natural key(s) occur more than once"));
            }
            for (CheckSpec check : plan.checks()) {
                checks.add(planCheck(connection, check));
            }
            return new ParityReport(OffsetDateTime.now(ZoneOffset.UTC), (System.nanoTime() - start) / 1e9, users, entities, checks);
        }
    }

    /** The parity of one user: per entity, what apply wrote and whether the target still holds exactly that. */
    public List<UserEntityParity> user(String user) throws SQLException {
        Plan plan = workspace.plan();
        TargetShape shape = workspace.catalog().storedShape();
        ParityStore store = workspace.control().parity();
        List<UserEntityParity> out = new ArrayList<>();
        try (Connection connection = workspace.target().getConnection()) {
            boolean migrated = store.status(connection, user).orElse(null) == UserStatus.MIGRATED;
            Map<String, Long> waiting = workspace.control().pending().waitingOfUser(connection, user);
            for (Entity entity : plan.entities()) {
                ParityStore.UserChecksums sums = store.user(connection, entity, shape, user);
                long waitingRows = waiting.getOrDefault(entity.name(), 0L);
                ParityStatus parity = !migrated ? ParityStatus.PENDING : !sums.matches() ? ParityStatus.MISMATCH
                        : waitingRows > 0 ? ParityStatus.PENDING : ParityStatus.OK;
                out.add(new UserEntityParity(entity.name(), sums.writtenRows(), sums.targetRows(), waitingRows, parity));
            }
        }
        return out;
    }

    /** One user's line for one entity; {@code waitingRows}: rows that wait for other users' rows (PENDING while any does). */
    public record UserEntityParity(String entity, long writtenRows, long targetRows, long waitingRows, ParityStatus status) {}

    private EntityParity entity(Connection connection, ParityStore store, Entity entity, TargetShape shape, long[] counts,
                                long waiting, boolean pending) throws SQLException {
        ParityStore.EntityChecksums sums = store.entity(connection, entity, shape, SAMPLE);
        long duplicates = duplicates(connection, entity);
        ParityStatus status = sums.usersMismatched() > 0 || duplicates > 0 ? ParityStatus.MISMATCH
                : pending || waiting > 0 ? ParityStatus.PENDING : ParityStatus.OK;
        return new EntityParity(entity.name(), entity.into(), counts[0], counts[1], counts[2], counts[3], sums.writtenRows(),
                sums.targetRows(), waiting, sums.usersChecked(), sums.usersMismatched(), sums.sample(), duplicates, status);
    }

    private long duplicates(Connection connection, Entity entity) throws SQLException {
        String sql = "select count(*) from (select 1 from " + Sql.table(entity.into()) + " group by " + Sql.columns(entity.key())
                + " having count(*) > 1) d";
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private CheckParity orphans(Connection connection, Entity entity, ColumnSpec column, TargetShape shape) throws SQLException {
        Entity referenced = workspace.plan().requireEntity(column.ref());
        String sql = "select count(*) from " + Sql.table(entity.into()) + " e where e." + Sql.quote(column.name())
                + " is not null and not exists (select 1 from " + Sql.table(referenced.into()) + " r where r."
                + Sql.quote(referenced.id().column()) + " = e." + Sql.quote(column.name()) + ")";
        long orphans;
        try (NoNestedLoops ignored = NoNestedLoops.on(connection); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            orphans = rows.getLong(1);
        }
        return new CheckParity("no orphan " + entity.into() + "." + column.name() + " -> " + referenced.into(), CheckParity.Kind.ORPHANS,
                BigDecimal.ZERO, BigDecimal.valueOf(orphans), BigDecimal.ZERO, orphans == 0 ? ParityStatus.OK : ParityStatus.MISMATCH,
                orphans + " row(s) point at no " + referenced.into() + " row");
    }

    private CheckParity planCheck(Connection connection, CheckSpec check) {
        BigDecimal actual;
        BigDecimal expected;
        try {
            actual = scalar(connection, check.sql());
            expected = expected(connection, check);
        } catch (SQLException | RuntimeException e) {
            return new CheckParity(check.name(), CheckParity.Kind.PLAN_CHECK, null, null, check.tolerance(), ParityStatus.MISMATCH,
                    "the check could not run: " + e.getMessage() + ". Fix its SQL in the plan.");
        }
        boolean ok = actual != null && expected != null && actual.subtract(expected).abs().compareTo(check.tolerance()) <= 0;
        String detail = "actual " + (actual == null ? "NULL" : actual.toPlainString()) + ", expected "
                + (expected == null ? "NULL" : expected.toPlainString())
                + (check.tolerance().signum() > 0 ? " ± " + check.tolerance().toPlainString() : "");
        return new CheckParity(check.name(), CheckParity.Kind.PLAN_CHECK, expected, actual, check.tolerance(),
                ok ? ParityStatus.OK : ParityStatus.MISMATCH, detail);
    }

    private BigDecimal expected(Connection connection, CheckSpec check) throws SQLException {
        if (check.expect() instanceof CheckSpec.Expectation.Value value) {
            return value.value();
        }
        if (check.expect() instanceof CheckSpec.Expectation.Query query) {
            return query.on() == CheckSpec.Side.SOURCE ? workspace.source().scalar(query.sql()) : scalar(connection, query.sql());
        }
        return workspace.control().parity().checkTotal(connection, check.name());
    }

    private static BigDecimal scalar(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getBigDecimal(1) : null;
        }
    }
}
