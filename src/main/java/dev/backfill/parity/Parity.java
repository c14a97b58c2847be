package dev.backfill.parity;

import dev.backfill.control.ParityStore;
import dev.backfill.control.UserCounts;
import dev.backfill.db.NoNestedLoops;
import dev.backfill.db.Sql;
import dev.backfill.db.UniqueIndexes;
import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.CheckSpec;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * Parity between legacy, plan and target. PostgreSQL does the set work and nothing is pulled into Java
 * but totals. Every migrated row is compared with what apply wrote, which apply itself proved equal to
 * the planned row ({@code engine/WrittenCheck}): rows whose current version is still the one apply's
 * transaction wrote and checked (their {@code xmin}) are cleared per writing transaction, from one pass
 * over each table; the users of any transaction whose rows changed, and ledger rows apply recorded no
 * proof for (before V4), are compared row by row with the MD5 row hashes, as parity always did.
 */
public final class Parity {
    private static final int SAMPLE = 20;
    private static final String ENTITIES = "entities";
    /** Transaction ids are 32 bits in a row: within 2^31 of now, an xmin names one transaction. */
    private static final long XID_WINDOW = 1L << 31;

    private final Workspace workspace;
    /** Count every check over the whole target, also those the target's constraints guarantee ({@code parity --count-all}). */
    private final boolean countGuaranteed;

    public Parity(Workspace workspace) {
        this(workspace, false);
    }

    private Parity(Workspace workspace, boolean countGuaranteed) {
        this.workspace = workspace;
        this.countGuaranteed = countGuaranteed;
    }

    /**
     * This parity, counting the checks the target's constraints guarantee too: for when they may have been
     * bypassed, which the catalog cannot show (rows written while their triggers were disabled, or by a session
     * with {@code session_replication_role = replica}).
     */
    public Parity countingGuaranteedChecks() {
        return new Parity(workspace, true);
    }

    public ParityReport compute() throws SQLException {
        return compute(ProgressListener.NONE);
    }

    /**
     * Parity, reporting progress per entity compared; the rows counted are the ledger rows of the entities
     * compared so far. The checks run beside the comparison, on a second connection, and report nothing.
     */
    public ParityReport compute(ProgressListener progress) throws SQLException {
        long start = System.nanoTime();
        Plan plan = workspace.plan();
        TargetShape shape = workspace.catalog().storedShape();
        ParityStore store = workspace.control().parity();
        try (SharedSnapshot snapshot = SharedSnapshot.open(workspace.target())) {
            // the checks on a second connection, in the same snapshot, while this one reads the ledger's totals; the
            // counts, the users compared and each table's pass on whichever connection is free first
            Claim<Counts> counts = new Claim<>(c -> counts(c, store));
            Claim<Map<String, long[]>> usersChecked = new Claim<>(store::usersChecked);
            CompletableFuture<List<Claim<List<String>>>> tablePasses = new CompletableFuture<>();
            Future<Checks> checks = snapshot.submit(c -> {
                Checks done = null;
                try {
                    done = checks(c, true);
                    counts.runOrLeave(c);
                    usersChecked.runOrLeave(c);
                    for (Claim<List<String>> pass : tablePasses.join()) {
                        pass.runOrLeave(c);
                    }
                    return done;
                } catch (SQLException e) {
                    if (!SharedSnapshot.lockWaitedTooLong(e)) {
                        throw e;
                    }
                    // its transaction failed: the first connection runs whatever is left (the checks too, if unfinished)
                    c.rollback();
                    return done;
                }
            });
            Map<String, Checksums> checksums;
            try {
                checksums = checksums(snapshot, store, shape, usersChecked, tablePasses, progress, start);
            } catch (SQLException | RuntimeException | Error e) {
                // the other connection starts nothing more whose result no one will read
                counts.abandon();
                usersChecked.abandon();
                tablePasses.getNow(List.of()).forEach(Claim::abandon);
                throw e;
            } finally {
                // a comparison that failed before handing out its table passes must not leave the other connection waiting
                tablePasses.complete(List.of());
            }
            Counts counted = counts.await(snapshot);
            Checks other = snapshot.await(checks);
            if (other == null) {
                other = checks(snapshot.connection(), false);
            }
            UserCounts users = counted.users();
            boolean sharedPending = counted.sharedPending();
            Map<String, long[]> plannedCounts = counted.planned();
            Map<String, Long> waitingRows = counted.waiting();
            List<EntityParity> entities = new ArrayList<>();
            for (Entity entity : plan.entities()) {
                Checksums sums = checksums.get(entity.name());
                long[] planned = plannedCounts.getOrDefault(entity.name(), new long[4]);
                long waiting = waitingRows.getOrDefault(entity.name(), 0L);
                long duplicates = other.duplicates().get(entity.into() + " " + entity.key()).actual().longValue();
                boolean pending = users.pending() > 0 || sharedPending;
                ParityStatus status = sums.usersMismatched() > 0 || duplicates > 0 ? ParityStatus.MISMATCH
                        : pending || waiting > 0 ? ParityStatus.PENDING : ParityStatus.OK;
                entities.add(new EntityParity(entity.name(), entity.into(), planned[0], planned[1], planned[2], planned[3], sums.writtenRows(),
                        sums.targetRows(), waiting, sums.usersChecked(), sums.usersMismatched(), sums.sample(), duplicates, status));
            }
            return new ParityReport(OffsetDateTime.now(ZoneOffset.UTC), (System.nanoTime() - start) / 1e9, users, entities, other.checks());
        }
    }

    /** One entity's comparison over every migrated user. */
    private record Checksums(long usersChecked, long usersMismatched, long writtenRows, long targetRows, List<String> sample) {}

    /** The counts from the control schema: users by status, planned rows per entity, rows waiting per entity. */
    private record Counts(UserCounts users, boolean sharedPending, Map<String, long[]> planned, Map<String, Long> waiting) {}

    private Counts counts(Connection connection, ParityStore store) throws SQLException {
        ParityStore.Counts counts = store.counts(connection, workspace.plan().entities().stream().map(Entity::name).toList());
        return new Counts(counts.users(), store.sharedPending(connection), counts.planned(),
                workspace.control().pending().waitingByEntity(connection));
    }

    /** The checks in report order, and the duplicate checks by table and key (an entity's duplicate count). */
    private record Checks(Map<String, CheckParity> duplicates, List<CheckParity> checks) {}

    /** {@code onSecondConnection}: a check that waited too long for a lock fails the checks, to be run on the first. */
    private Checks checks(Connection connection, boolean onSecondConnection) throws SQLException {
        Plan plan = workspace.plan();
        List<CheckParity> checks = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Entity entity : plan.entities()) {
            for (ColumnSpec column : entity.columns()) {
                // two entities writing one table share its orphan and duplicate checks: list each once
                if (column.ref() != null && seen.add("orphans " + entity.into() + "." + column.name())) {
                    checks.add(orphans(connection, entity, column));
                }
            }
        }
        Map<String, CheckParity> duplicates = new HashMap<>();
        Map<String, BigDecimal> builtIn = new HashMap<>();
        for (Entity entity : plan.entities()) {
            String table = entity.into() + " " + entity.key();
            if (duplicates.containsKey(table)) {
                continue;
            }
            CheckParity check = duplicates(connection, entity);
            duplicates.put(table, check);
            checks.add(check);
            builtIn.put(normalized(duplicatesSql(entity)), check.actual());
        }
        for (CheckSpec check : plan.checks()) {
            checks.add(planCheck(connection, check, builtIn, onSecondConnection));
        }
        return new Checks(duplicates, checks);
    }

    /**
     * Per entity, every migrated user's rows compared with what apply wrote. First, per table and writing
     * transaction, the ledger's row count and identity hash sum against those of the rows still carrying that
     * transaction's xmin; then, per user, the ledger rows not cleared that way, row by row. The table passes
     * are handed out through {@code tablePasses}, so the other connection takes those it reaches first.
     */
    private Map<String, Checksums> checksums(SharedSnapshot snapshot, ParityStore store, TargetShape shape,
                                             Claim<Map<String, long[]>> usersChecked, CompletableFuture<List<Claim<List<String>>>> tablePasses,
                                             ProgressListener progress, long start) throws SQLException {
        Connection connection = snapshot.connection();
        Plan plan = workspace.plan();
        int entities = plan.entities().size();
        progress.onProgress(Progress.of("Comparing rows", ENTITIES, 0, entities, 0, start));
        List<ParityStore.Bucket> buckets = store.buckets(connection);
        ParityStore.Trust trust = trust(connection);
        // per table, one pass serving every entity writing it: the transactions whose rows the table holds exactly as
        // they were written and checked (xid8 text)
        Map<String, List<Entity>> byTable = new LinkedHashMap<>();
        plan.entities().forEach(e -> byTable.computeIfAbsent(e.into(), t -> new ArrayList<>()).add(e));
        Map<String, Claim<List<String>>> settled = new LinkedHashMap<>();
        byTable.forEach((table, writers) -> settled.put(table, new Claim<>(c -> settled(c, table, writers, buckets, trust, shape))));
        tablePasses.complete(List.copyOf(settled.values()));
        // entity by entity, in the plan's order, so progress moves as each table's pass ends (on either connection)
        Map<String, List<ParityStore.UserDiff>> compared = new HashMap<>();
        long rows = 0;
        for (Entity entity : plan.entities()) {
            List<String> clear = settled.get(entity.into()).await(snapshot);
            boolean drill = buckets.stream().anyMatch(b -> b.entity().equals(entity.name())
                    && !(trusted(b, trust) && clear.contains(b.xid())));
            compared.put(entity.name(), drill ? store.drill(connection, entity, shape, trust, clear) : List.of());
            // the ledger rows of the entity: what the users compared record
            rows += buckets.stream().filter(b -> b.entity().equals(entity.name())).mapToLong(ParityStore.Bucket::rows).sum();
            progress.onProgress(Progress.of("Comparing rows, entity " + compared.size() + " of " + entities + " (" + entity.name() + ")",
                    ENTITIES, compared.size(), entities, rows, start));
        }
        Map<String, long[]> checked = usersChecked.await(snapshot);
        Map<String, Checksums> out = new HashMap<>();
        for (Entity entity : plan.entities()) {
            long[] users = checked.getOrDefault(entity.name(), new long[2]);
            long missing = 0;
            List<String> mismatched = new ArrayList<>();
            for (ParityStore.UserDiff user : compared.get(entity.name())) {
                missing += user.expectedRows() - user.actualRows();
                if (!user.matches()) {
                    mismatched.add(user.user());
                }
            }
            mismatched.sort(java.util.Comparator.naturalOrder());
            out.put(entity.name(), new Checksums(users[0], mismatched.size(), users[1], users[1] - missing,
                    mismatched.subList(0, Math.min(SAMPLE, mismatched.size()))));
        }
        return out;
    }

    /**
     * The transactions (xid8 text) whose rows a table holds exactly as they wrote them: as many rows still
     * carrying their xmin as the ledger says they wrote into this table, with the same identity hash sum.
     * Only proved, trusted ledger rows count; entities writing one table must share their identity columns.
     */
    private List<String> settled(Connection connection, String table, List<Entity> entities, List<ParityStore.Bucket> buckets,
                                 ParityStore.Trust trust, TargetShape shape) throws SQLException {
        List<String> identity = entities.get(0).identityColumns();
        if (trust == null || entities.stream().anyMatch(e -> !e.identityColumns().equals(identity))) {
            return List.of();
        }
        Map<Long, String> xids = new HashMap<>();
        Map<Long, long[]> rows = new HashMap<>();
        Map<Long, java.math.BigInteger> keys = new HashMap<>();
        for (ParityStore.Bucket bucket : buckets) {
            if (bucket.table().equals(table) && trusted(bucket, trust)) {
                long xid = Long.parseLong(bucket.xid()) & 0xFFFFFFFFL;
                xids.put(xid, bucket.xid());
                rows.computeIfAbsent(xid, x -> new long[1])[0] += bucket.rows();
                keys.merge(xid, bucket.keyHash(), java.math.BigInteger::add);
            }
        }
        Entity entity = entities.get(0);
        Map<Long, WriterTotals.Totals> found = WriterTotals.of(connection, table, identity,
                identity.stream().map(c -> shape.type(entity, c)).toList(), xids.keySet());
        List<String> settled = new ArrayList<>();
        for (Map.Entry<Long, String> xid : xids.entrySet()) {
            WriterTotals.Totals now = found.get(xid.getKey());
            if (now != null && now.rows() == rows.get(xid.getKey())[0] && now.keyHash().equals(keys.get(xid.getKey()))) {
                settled.add(xid.getValue());
            }
        }
        return settled;
    }

    private static boolean trusted(ParityStore.Bucket bucket, ParityStore.Trust trust) {
        if (trust == null || bucket.xid() == null || bucket.system() == null || bucket.system() != trust.system()) {
            return false;
        }
        long xid = Long.parseLong(bucket.xid());
        return xid >= Long.parseLong(trust.lowestXid()) && xid <= Long.parseLong(trust.highestXid());
    }

    /**
     * This cluster and the transactions an xmin still names alone: from 2^31 before the snapshot's horizon to it.
     * Null when the server cannot say (before PostgreSQL 14, or its control data hidden): then every row is hashed.
     */
    private static ParityStore.Trust trust(Connection connection) throws SQLException {
        if (connection.getMetaData().getDatabaseMajorVersion() < 14) {
            return null;
        }
        // a server hiding its control data fails the query: the savepoint keeps the shared snapshot's transaction usable
        Savepoint savepoint = connection.setSavepoint();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("select system_identifier, pg_snapshot_xmax(pg_current_snapshot())::text"
                     + " from pg_control_system()")) {
            rows.next();
            long system = rows.getLong(1);
            long high = Long.parseLong(rows.getString(2));
            connection.releaseSavepoint(savepoint);
            return new ParityStore.Trust(system, String.valueOf(Math.max(0, high - XID_WINDOW + 1)), String.valueOf(high));
        } catch (SQLException hidden) {
            connection.rollback(savepoint);
            return null;
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

    /** The built-in duplicate check's query: natural-key values that occur more than once in the whole table. */
    private static String duplicatesSql(Entity entity) {
        return "select count(*) from (select 1 from " + Sql.table(entity.into()) + " group by " + Sql.columns(entity.key())
                + " having count(*) > 1) d";
    }

    private CheckParity duplicates(Connection connection, Entity entity) throws SQLException {
        String name = "no duplicate " + entity.key() + " in " + entity.into();
        Optional<String> index = countGuaranteed ? Optional.empty() : UniqueIndexes.covering(connection, entity.into(), entity.key());
        if (index.isPresent()) {
            return new CheckParity(name, CheckParity.Kind.DUPLICATES, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, ParityStatus.OK,
                    "0 natural key(s) occur more than once (guaranteed by unique index " + index.get() + ")");
        }
        long duplicates;
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(duplicatesSql(entity))) {
            rows.next();
            duplicates = rows.getLong(1);
        }
        return new CheckParity(name, CheckParity.Kind.DUPLICATES, BigDecimal.ZERO, BigDecimal.valueOf(duplicates), BigDecimal.ZERO,
                duplicates == 0 ? ParityStatus.OK : ParityStatus.MISMATCH, duplicates + " natural key(s) occur more than once");
    }

    private CheckParity orphans(Connection connection, Entity entity, ColumnSpec column) throws SQLException {
        Entity referenced = workspace.plan().requireEntity(column.ref());
        String name = "no orphan " + entity.into() + "." + column.name() + " -> " + referenced.into();
        Optional<String> key = countGuaranteed ? Optional.empty()
                : Guarantees.foreignKey(connection, entity.into(), column.name(), referenced.into(), referenced.id().column());
        if (key.isPresent()) {
            return new CheckParity(name, CheckParity.Kind.ORPHANS, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, ParityStatus.OK,
                    "0 row(s) point at no " + referenced.into() + " row (guaranteed by foreign key " + key.get() + ")");
        }
        String sql = "select count(*) from " + Sql.table(entity.into()) + " e where e." + Sql.quote(column.name())
                + " is not null and not exists (select 1 from " + Sql.table(referenced.into()) + " r where r."
                + Sql.quote(referenced.id().column()) + " = e." + Sql.quote(column.name()) + ")";
        long orphans;
        try (NoNestedLoops ignored = NoNestedLoops.on(connection); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            orphans = rows.getLong(1);
        }
        return new CheckParity(name, CheckParity.Kind.ORPHANS, BigDecimal.ZERO, BigDecimal.valueOf(orphans), BigDecimal.ZERO,
                orphans == 0 ? ParityStatus.OK : ParityStatus.MISMATCH, orphans + " row(s) point at no " + referenced.into() + " row");
    }

    /**
     * A plan check. One whose query is a built-in check's (case, spacing and quotes aside) takes that check's
     * value rather than counting again; one whose {@code guaranteed_by} constraints are all in force is 0 without
     * running (they make it 0 as the built-in checks' do). Each runs under a savepoint: a check that fails to run must not end
     * the shared snapshot's transaction for the checks after it.
     */
    private CheckParity planCheck(Connection connection, CheckSpec check, Map<String, BigDecimal> builtIn, boolean onSecondConnection)
            throws SQLException {
        BigDecimal actual;
        BigDecimal expected;
        BigDecimal same = builtIn.get(normalized(check.sql()));
        List<String> notInForce = List.of();
        Savepoint savepoint = connection.setSavepoint();
        try {
            if (!check.guaranteedBy().isEmpty() && !countGuaranteed) {
                notInForce = Guarantees.notInForce(connection, check.guaranteedBy());
                if (notInForce.isEmpty()) {
                    connection.releaseSavepoint(savepoint);
                    return new CheckParity(check.name(), CheckParity.Kind.PLAN_CHECK, BigDecimal.ZERO, BigDecimal.ZERO, check.tolerance(),
                            ParityStatus.OK, "0, guaranteed by " + String.join(", ", check.guaranteedBy())
                            + " (in force on the target; the query was not run)");
                }
            }
            actual = same != null ? same : scalar(connection, check.sql());
            expected = expected(connection, check);
            connection.releaseSavepoint(savepoint);
        } catch (SQLException | RuntimeException e) {
            connection.rollback(savepoint);
            if (onSecondConnection && e instanceof SQLException sql && SharedSnapshot.lockWaitedTooLong(sql)) {
                throw sql;
            }
            return new CheckParity(check.name(), CheckParity.Kind.PLAN_CHECK, null, null, check.tolerance(), ParityStatus.MISMATCH,
                    "the check could not run: " + e.getMessage() + ". Fix its SQL in the plan.");
        }
        boolean ok = actual != null && expected != null && actual.subtract(expected).abs().compareTo(check.tolerance()) <= 0;
        String detail = "actual " + (actual == null ? "NULL" : actual.toPlainString()) + ", expected "
                + (expected == null ? "NULL" : expected.toPlainString())
                + (check.tolerance().signum() > 0 ? " ± " + check.tolerance().toPlainString() : "")
                + (same != null ? " (the built-in duplicate check's query: its value)" : "")
                + (notInForce.isEmpty() ? "" : " (counted: not guaranteed, " + String.join("; ", notInForce) + ")");
        return new CheckParity(check.name(), CheckParity.Kind.PLAN_CHECK, expected, actual, check.tolerance(),
                ok ? ParityStatus.OK : ParityStatus.MISMATCH, detail);
    }

    /**
     * A query's text with what does not change its meaning taken out: case and double quotes of plain
     * lowercase identifiers, whitespace, a final semicolon. Text inside quotes is kept as it is.
     */
    static String normalized(String sql) {
        String trimmed = sql.strip();
        if (trimmed.endsWith(";")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1).strip();
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < trimmed.length()) {
            char c = trimmed.charAt(i);
            if (c == '\'' || c == '"') {
                int end = trimmed.indexOf(c, i + 1);
                if (end < 0) {
                    end = trimmed.length() - 1;
                }
                String quoted = trimmed.substring(i, end + 1);
                String inside = quoted.length() >= 2 ? quoted.substring(1, quoted.length() - 1) : "";
                out.append(c == '"' && inside.matches("[a-z_][a-z0-9_$]*") ? inside : quoted);
                i = end + 1;
            } else if (Character.isWhitespace(c)) {
                while (i < trimmed.length() && Character.isWhitespace(trimmed.charAt(i))) {
                    i++;
                }
                out.append(' ');
            } else {
                out.append(Character.toLowerCase(c));
                i++;
            }
        }
        return out.toString().replaceAll(" ?([(),=<>*]) ?", "$1");
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
