package dev.backfill.control;

import dev.backfill.db.Copy;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.StoredFinding;
import dev.backfill.mapping.UserResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a dry run's results into the control schema. A full dry run happens in one transaction,
 * so the previous results are replaced all at once or not at all. Users already migrated keep
 * their results and state.
 */
public final class DryRunStore {
    /** The user key of the shared (catalog) rows, migrated as batch 0. */
    public static final String SHARED_USER = "<shared>";
    /** The user key findings about rows without a user are filed under. */
    public static final String NO_USER = "<no user>";

    private final ControlSchema control;
    private final String plan;

    private static final String MIGRATED = "'" + UserStatus.MIGRATED.sql() + "'";

    DryRunStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Users of the list that are already migrated: a dry run leaves them alone. */
    public Set<String> migrated(Connection connection, List<String> users) throws SQLException {
        Set<String> out = new HashSet<>();
        String sql = "select user_key from " + control.table("users") + " where plan = ? and status = " + MIGRATED + " and user_key = any(?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", users.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    out.add(rows.getString(1));
                }
            }
        }
        return out;
    }

    /** How many users of the plan are migrated (a dry run skips them). */
    public long migratedCount(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select count(*) from " + control.table("users")
                + " where plan = ? and status = " + MIGRATED)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /**
     * Starts a full run on a fresh plan (nobody migrated, no batch applied): every previous result of
     * the plan is dropped, so the run can COPY its users straight in. In the caller's transaction: a
     * failed run leaves the previous results as they were. The plan's counts go with its users in one
     * statement: the per-user triggers, each updating a count row again, cost a second per 10,000 users.
     */
    public void clearForFreshRun(Connection connection) throws SQLException {
        BatchCounts.withoutCounting(connection, () -> {
            for (String table : new String[] {"findings", "users"}) {
                try (PreparedStatement statement = connection.prepareStatement("delete from " + control.table(table) + " where plan = ?")) {
                    statement.setString(1, plan);
                    statement.executeUpdate();
                }
            }
        });
        new BatchCounts(control, plan).recount(connection);
    }

    /** Starts replacing all results: findings of users not migrated are dropped (in the caller's transaction). */
    public void clearForFullRun(Connection connection) throws SQLException {
        String sql = "delete from " + control.table("findings") + " f where f.plan = ? and not exists (select 1 from "
                + control.table("users") + " u where u.plan = f.plan and u.user_key = f.user_key and u.status = " + MIGRATED + ")";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.executeUpdate();
        }
    }

    /**
     * Writes the results of some users: {@code positions} gives each user's place in partition order,
     * {@code targetFingerprints} which target rows its planned rows met. With {@code batchUsers > 0} (a
     * plan with no batch applied yet) each user also gets its batch from its position: users 1..N
     * batch 1, and so on. A user reviewed again is planned again, unless it is migrated.
     */
    public void write(Connection connection, long runId, List<UserResult> results, Map<String, Long> positions,
                      Map<String, String> targetFingerprints, int batchUsers) throws SQLException {
        if (results.isEmpty()) {
            return;
        }
        boolean fresh = batchUsers > 0;
        if (!fresh) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("create temp table if not exists users_new (like " + control.table("users")
                        + " including defaults) on commit drop");
            }
        }
        // a fresh plan's users get their batch as they are inserted: counted per batch here, once, not by the per-user trigger
        Map<Long, Long> newPerBatch = new java.util.HashMap<>();
        BatchCounts.withoutCounting(connection, () -> {
            try (Copy copy = Copy.into(connection, fresh ? control.table("users") : "users_new", "plan, user_key, position, batch_no, status, fingerprint, target_fingerprint,"
                    + " legacy_rows, planned_rows, findings, finding_kinds, entities, check_totals, dry_run_id, waiting_rows, waits_for_users")) {
                for (UserResult result : results) {
                    long position = positions.getOrDefault(result.user(), 0L);
                    Long batch = batchUsers <= 0 ? null : result.user().equals(SHARED_USER) ? 0L : (position - 1) / batchUsers + 1;
                    if (fresh) {
                        newPerBatch.merge(batch, 1L, Long::sum);
                    }
                    copy.row(java.util.Arrays.asList(plan, result.user(), position, batch, UserStatus.PLANNED.sql(), result.fingerprint(),
                            targetFingerprints.getOrDefault(result.user(), ""), result.legacyRowCount(), result.plannedRowCount(), result.findings().size(),
                            findingKinds(result.findings()), entities(result), checkTotals(result), runId, result.waitingRows(),
                            result.waitsForUsers()));
                }
                copy.end();
            }
        });
        if (fresh) {
            new BatchCounts(control, plan).addPlanned(connection, newPerBatch);
            writeFindings(connection, runId, results.stream().flatMap(r -> r.findings().stream()).toList());
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("insert into " + control.table("users") + " as u (plan, user_key, position, batch_no, status, fingerprint,"
                    + " target_fingerprint, legacy_rows, planned_rows, findings, finding_kinds, entities, check_totals, dry_run_id,"
                    + " waiting_rows, waits_for_users)"
                    + " select plan, user_key, position, batch_no, status, fingerprint, target_fingerprint, legacy_rows, planned_rows,"
                    + " findings, finding_kinds, entities, check_totals, dry_run_id, waiting_rows, waits_for_users from users_new"
                    + " on conflict (plan, user_key) do update set position = excluded.position, fingerprint = excluded.fingerprint,"
                    + " target_fingerprint = excluded.target_fingerprint, legacy_rows = excluded.legacy_rows,"
                    + " planned_rows = excluded.planned_rows, findings = excluded.findings, waiting_rows = excluded.waiting_rows,"
                    + " waits_for_users = excluded.waits_for_users,"
                    + " finding_kinds = excluded.finding_kinds, entities = excluded.entities, check_totals = excluded.check_totals,"
                    + " dry_run_id = excluded.dry_run_id, updated_at = now(), status = '" + UserStatus.PLANNED.sql() + "', last_error = null"
                    + " where u.status <> " + MIGRATED);
            statement.execute("delete from users_new");
        }
        writeFindings(connection, runId, results.stream().flatMap(r -> r.findings().stream()).toList());
    }

    /** How many users of the batch, not migrated, were last reviewed by a dry run of another version of the plan file. */
    public long reviewedUnderOtherPlan(Connection connection, int batch, String planChecksum) throws SQLException {
        String sql = "select count(*) from " + control.table("users") + " u join " + control.table("runs")
                + " r on r.run_id = u.dry_run_id where u.plan = ? and u.batch_no = ? and u.status <> " + MIGRATED + " and r.plan_checksum <> ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setString(3, planChecksum);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** What a user's latest review recorded: the fingerprint of their legacy rows and of the target rows their rows met. */
    public record Fingerprints(String legacy, String target) {}

    /** The user's recorded fingerprints, or empty when no dry run has reviewed the user. */
    public java.util.Optional<Fingerprints> fingerprints(Connection connection, String user) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select fingerprint, target_fingerprint from "
                + control.table("users") + " where plan = ? and user_key = ?")) {
            statement.setString(1, plan);
            statement.setString(2, user);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? java.util.Optional.of(new Fingerprints(rows.getString(1), rows.getString(2))) : java.util.Optional.empty();
            }
        }
    }

    /** The next position for a user reviewed alone: its own if known, else after every other. */
    public long positionOf(Connection connection, String user) throws SQLException {
        String sql = "select coalesce((select position from " + control.table("users") + " where plan = ? and user_key = ?),"
                + " (select coalesce(max(position), 0) + 1 from " + control.table("users") + " where plan = ?))";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setString(2, user);
            statement.setString(3, plan);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Adds findings found after the users' results were written (across users) to their counts. */
    public void countFindings(Connection connection, List<Finding> findings) throws SQLException {
        if (findings.isEmpty()) {
            return;
        }
        try (PreparedStatement count = connection.prepareStatement("update " + control.table("users") + " set findings = findings + 1,"
                + " finding_kinds = jsonb_set(finding_kinds, array[?], to_jsonb(coalesce((finding_kinds->>?)::int, 0) + 1))"
                + " where plan = ? and user_key = ?")) {
            for (Finding finding : findings) {
                count.setString(1, finding.kind().name());
                count.setString(2, finding.kind().name());
                count.setString(3, plan);
                count.setString(4, finding.user());
                count.addBatch();
            }
            count.executeBatch();
        }
    }

    /**
     * Forgets a run's results of these users (they are mapped again, with every user's rows known): their
     * findings, and, when the run writes users afresh ({@code fresh}), their rows too (else writing them
     * again updates them in place).
     */
    public void forget(Connection connection, long runId, List<String> users, boolean fresh) throws SQLException {
        if (users.isEmpty()) {
            return;
        }
        for (String table : fresh ? new String[] {"findings", "users"} : new String[] {"findings"}) {
            try (PreparedStatement statement = connection.prepareStatement("delete from " + control.table(table)
                    + " where plan = ? and user_key = any(?)" + (table.equals("findings") ? " and run_id = ?" : " and dry_run_id = ?"))) {
                statement.setString(1, plan);
                statement.setArray(2, connection.createArrayOf("text", users.toArray()));
                statement.setLong(3, runId);
                statement.executeUpdate();
            }
        }
    }

    /** The run's totals, from what it stored: users, legacy rows, planned rows, and findings by kind. */
    public record Totals(long users, long legacyRows, long plannedRows, Map<String, Integer> findings) {}

    public Totals totals(Connection connection, long runId) throws SQLException {
        long users;
        long legacy;
        long planned;
        try (PreparedStatement statement = connection.prepareStatement("select count(*) filter (where user_key <> ?),"
                + " coalesce(sum(legacy_rows), 0), coalesce(sum(planned_rows), 0) from " + control.table("users")
                + " where plan = ? and dry_run_id = ?")) {
            statement.setString(1, SHARED_USER);
            statement.setString(2, plan);
            statement.setLong(3, runId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                users = rows.getLong(1);
                legacy = rows.getLong(2);
                planned = rows.getLong(3);
            }
        }
        Map<String, Integer> findings = new TreeMap<>();
        try (PreparedStatement statement = connection.prepareStatement("select kind, count(*) from " + control.table("findings")
                + " where plan = ? and run_id = ? group by kind")) {
            statement.setString(1, plan);
            statement.setLong(2, runId);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    findings.put(rows.getString(1), rows.getInt(2));
                }
            }
        }
        return new Totals(users, legacy, planned, findings);
    }

    /** Replaces the findings of the given users (used by single-user dry runs) or adds findings. */
    public void writeFindings(Connection connection, long runId, List<Finding> findings) throws SQLException {
        if (findings.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, control.table("findings"),
                "plan, run_id, user_key, entity, kind, field, found, chosen, legacy_ids, message")) {
            for (Finding stored : findings) {
                // a finding quotes the value PostgreSQL refused (a NUL, JSON at the depth limit): store it escaped
                Finding finding = StoredFinding.of(stored);
                ArrayNode found = Json.NODES.arrayNode();
                finding.values().forEach(found::add);
                copy.row(java.util.Arrays.asList(plan, runId, finding.user(), finding.entity(), finding.kind().name(), finding.field(),
                        found, finding.chosen(), finding.legacyIds(), finding.message()));
            }
            copy.end();
        }
    }

    public void deleteFindingsOf(Connection connection, String user) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "delete from " + control.table("findings") + " where plan = ? and user_key = ?")) {
            statement.setString(1, plan);
            statement.setString(2, user);
            statement.executeUpdate();
        }
    }

    /** After a full run: users no longer in the source (and not migrated) are dropped. */
    public int dropUsersNotSeen(Connection connection, long runId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("delete from " + control.table("users")
                + " where plan = ? and dry_run_id <> ? and status <> " + MIGRATED)) {
            statement.setString(1, plan);
            statement.setLong(2, runId);
            return statement.executeUpdate();
        }
    }

    private static String findingKinds(List<Finding> findings) {
        if (findings.isEmpty()) {
            return "{}";
        }
        Map<String, Integer> counts = new TreeMap<>();
        findings.forEach(f -> counts.merge(f.kind().name(), 1, Integer::sum));
        StringBuilder json = new StringBuilder("{");
        counts.forEach((kind, count) -> json.append(json.length() > 1 ? "," : "").append('"').append(kind).append("\":").append(count));
        return json.append('}').toString();
    }

    private static String entities(UserResult result) {
        StringBuilder json = new StringBuilder("{");
        for (String entity : new TreeMap<>(result.legacyCounts()).keySet()) {
            json.append(json.length() > 1 ? "," : "").append(jsonString(entity)).append(":{\"legacy\":")
                    .append(result.legacyCounts().getOrDefault(entity, 0)).append(",\"planned\":").append(result.rowsOf(entity).size())
                    .append(",\"existing\":").append(result.existing().getOrDefault(entity, 0)).append('}');
        }
        return json.append('}').toString();
    }

    private static String checkTotals(UserResult result) {
        if (result.checkTotals().isEmpty()) {
            return "{}";
        }
        ObjectNode node = Json.NODES.objectNode();
        new TreeMap<>(result.checkTotals()).forEach(node::put);
        return Json.write(node);
    }

    private static String jsonString(String text) {
        return Json.write(Json.NODES.textNode(text));
    }
}
