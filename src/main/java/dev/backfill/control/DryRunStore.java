package dev.backfill.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.Json;
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

    public DryRunStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Users of the list that are already migrated: a dry run leaves them alone. */
    public Set<String> migrated(Connection connection, List<String> users) throws SQLException {
        Set<String> out = new HashSet<>();
        String sql = "select user_key from " + control.table("users") + " where plan = ? and status = 'migrated' and user_key = any(?)";
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

    /** Starts replacing all results: findings of users not migrated are dropped (in the caller's transaction). */
    public void clearForFullRun(Connection connection) throws SQLException {
        String sql = "delete from " + control.table("findings") + " f where f.plan = ? and not exists (select 1 from "
                + control.table("users") + " u where u.plan = f.plan and u.user_key = f.user_key and u.status = 'migrated')";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.executeUpdate();
        }
    }

    /** Writes the results of some users; {@code positions} gives each user's place in partition order. */
    public void write(Connection connection, long runId, List<UserResult> results, Map<String, Long> positions) throws SQLException {
        if (results.isEmpty()) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("create temp table if not exists users_new (like " + control.table("users")
                    + " including defaults) on commit drop");
        }
        try (Copy copy = Copy.into(connection, "users_new", "plan, user_key, position, status, fingerprint, legacy_rows, planned_rows,"
                + " findings, finding_kinds, entities, check_totals, dry_run_id")) {
            for (UserResult result : results) {
                copy.row(List.of(plan, result.user(), positions.getOrDefault(result.user(), 0L), "planned", result.fingerprint(),
                        result.legacyRowCount(), result.plannedRowCount(), result.findings().size(),
                        findingKinds(result.findings()), entities(result), checkTotals(result), runId));
            }
            copy.end();
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("insert into " + control.table("users") + " as u (plan, user_key, position, status, fingerprint,"
                    + " legacy_rows, planned_rows, findings, finding_kinds, entities, check_totals, dry_run_id)"
                    + " select plan, user_key, position, status, fingerprint, legacy_rows, planned_rows, findings, finding_kinds,"
                    + " entities, check_totals, dry_run_id from users_new"
                    + " on conflict (plan, user_key) do update set position = excluded.position, fingerprint = excluded.fingerprint,"
                    + " legacy_rows = excluded.legacy_rows, planned_rows = excluded.planned_rows, findings = excluded.findings,"
                    + " finding_kinds = excluded.finding_kinds, entities = excluded.entities, check_totals = excluded.check_totals,"
                    + " dry_run_id = excluded.dry_run_id, updated_at = now(),"
                    + " status = case when u.status in ('failed', 'source_changed') then 'planned' else u.status end"
                    + " where u.status <> 'migrated'");
            statement.execute("truncate users_new");
        }
        writeFindings(connection, runId, results.stream().flatMap(r -> r.findings().stream()).toList());
    }

    /** Replaces the findings of the given users (used by single-user dry runs) or adds findings. */
    public void writeFindings(Connection connection, long runId, List<Finding> findings) throws SQLException {
        if (findings.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, control.table("findings"),
                "plan, run_id, user_key, entity, kind, field, found, chosen, legacy_ids, message")) {
            for (Finding finding : findings) {
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
                + " where plan = ? and dry_run_id <> ? and status <> 'migrated'")) {
            statement.setString(1, plan);
            statement.setLong(2, runId);
            return statement.executeUpdate();
        }
    }

    private static String findingKinds(List<Finding> findings) {
        Map<String, Integer> counts = new TreeMap<>();
        findings.forEach(f -> counts.merge(f.kind().name(), 1, Integer::sum));
        ObjectNode node = Json.NODES.objectNode();
        counts.forEach(node::put);
        return Json.write(node);
    }

    private static String entities(UserResult result) {
        ObjectNode node = Json.NODES.objectNode();
        result.legacyCounts().keySet().stream().sorted().forEach(entity -> node.putObject(entity)
                .put("legacy", result.legacyCounts().getOrDefault(entity, 0))
                .put("planned", result.rowsOf(entity).size())
                .put("existing", result.existing().getOrDefault(entity, 0)));
        return Json.write(node);
    }

    private static String checkTotals(UserResult result) {
        ObjectNode node = Json.NODES.objectNode();
        new TreeMap<>(result.checkTotals()).forEach(node::put);
        return Json.write(node);
    }

}
