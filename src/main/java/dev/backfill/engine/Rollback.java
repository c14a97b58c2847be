package dev.backfill.engine;

import dev.backfill.control.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.control.BatchView;
import dev.backfill.control.ControlSchema;
import dev.backfill.control.PlanLock;
import dev.backfill.control.Runs;
import dev.backfill.db.Sql;
import dev.backfill.db.Transactions;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rolls a batch back from its ledger alone: deletes the rows it inserted and restores the rows it
 * updated, in reverse dependency order, in one transaction. Its users return to not migrated.
 * Refused while rows of other applied batches depend on the batch's rows.
 */
public final class Rollback {

    /** What a rollback will do (or did) to one target table. */
    public record TableChange(String entity, String table, int rowsToDelete, int rowsToRestore) {}

    /** @param blockers batches that must be rolled back first, with the reason */
    public record Plan(int batch, BatchState state, int users, List<TableChange> changes, Map<Integer, String> blockers) {
        public boolean allowed() {
            return blockers.isEmpty();
        }
    }

    public record Result(int batch, int users, List<TableChange> changes, int missingRows, double seconds) {}

    private final Workspace workspace;

    public Rollback(Workspace workspace) {
        this.workspace = workspace;
    }

    /** What rolling back the batch would delete and restore, and what blocks it. Reads only. */
    public Plan preview(int batchNo) throws SQLException {
        try (Connection connection = workspace.target().getConnection()) {
            return preview(connection, batchNo);
        }
    }

    private Plan preview(Connection connection, int batchNo) throws SQLException {
        BatchView batch = new BatchStore(workspace.control(), workspace.plan().name()).get(connection, batchNo).orElseThrow(() ->
                new IllegalArgumentException("Plan '" + workspace.plan().name() + "' has no batch " + batchNo + "."));
        List<TableChange> changes = new ArrayList<>();
        String sql = "select entity, target_table, coalesce(sum(row_count) filter (where op = 'insert'), 0),"
                + " coalesce(sum(row_count) filter (where op = 'update'), 0), min(seq) from " + workspace.control().table("ledger")
                + " where plan = ? and batch_no = ? and rolled_back_at is null group by entity, target_table order by min(seq) desc";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, workspace.plan().name());
            statement.setInt(2, batchNo);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    changes.add(new TableChange(rows.getString(1), rows.getString(2), rows.getInt(3), rows.getInt(4)));
                }
            }
        }
        return new Plan(batchNo, batch.state(), batch.usersMigrated(), changes, blockers(connection, batchNo));
    }

    /**
     * Later batches that depend on this one: their rows reference rows this batch inserted, or they
     * updated rows this batch inserted.
     */
    private Map<Integer, String> blockers(Connection connection, int batchNo) throws SQLException {
        Map<Integer, String> blockers = new LinkedHashMap<>();
        ControlSchema control = workspace.control();
        TargetShape shape = workspace.catalog().shape();
        String ledger = control.table("ledger");
        for (Entity entity : workspace.plan().entities()) {
            for (ColumnSpec column : entity.columns()) {
                if (column.ref() == null) {
                    continue;
                }
                Entity referenced = workspace.plan().requireEntity(column.ref());
                ColumnType idType = shape.type(referenced, referenced.id().column());
                String sql = "select distinct l.batch_no from " + ledger + " l cross join jsonb_array_elements(l.row_keys) k"
                        + " join " + Sql.table(entity.into()) + " e on " + identityMatch(entity, shape, "e", "k.value")
                        + " where l.plan = ? and l.entity = ? and l.batch_no <> ? and l.rolled_back_at is null"
                        + " and e." + Sql.quote(column.name()) + " in (select (r.value->>0)::" + (idType == null ? "text" : idType.sqlType())
                        + " from " + ledger + " b cross join jsonb_array_elements(b.row_keys) r where b.plan = ? and b.batch_no = ?"
                        + " and b.entity = ? and b.op = 'insert' and b.rolled_back_at is null)";
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    statement.setString(1, workspace.plan().name());
                    statement.setString(2, entity.name());
                    statement.setInt(3, batchNo);
                    statement.setString(4, workspace.plan().name());
                    statement.setInt(5, batchNo);
                    statement.setString(6, referenced.name());
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            blockers.putIfAbsent(rows.getInt(1), "its " + entity.name() + " rows reference " + referenced.name()
                                    + " rows this batch inserted");
                        }
                    }
                }
            }
        }
        String updatedOnTop = "select distinct u.batch_no from " + ledger + " u cross join jsonb_array_elements(u.row_keys) uk"
                + " join " + ledger + " i on i.plan = u.plan and i.target_table = u.target_table and i.batch_no = ? and i.op = 'insert'"
                + " and i.rolled_back_at is null cross join jsonb_array_elements(i.row_keys) ik"
                + " where u.plan = ? and u.op = 'update' and u.batch_no <> ? and u.rolled_back_at is null and uk.value = ik.value";
        try (PreparedStatement statement = connection.prepareStatement(updatedOnTop)) {
            statement.setInt(1, batchNo);
            statement.setString(2, workspace.plan().name());
            statement.setInt(3, batchNo);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    blockers.putIfAbsent(rows.getInt(1), "it updated rows this batch inserted");
                }
            }
        }
        return blockers;
    }

    /** {@code alias.id = (keyJson->>0)::uuid and ...}: a target row matched to one ledger key (a JSON array). */
    private static String identityMatch(Entity entity, TargetShape shape, String alias, String keyJson) {
        List<String> identity = entity.identityColumns();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < identity.size(); i++) {
            ColumnType type = shape.type(entity, identity.get(i));
            parts.add(alias + "." + Sql.quote(identity.get(i)) + " = (" + keyJson + "->>" + i + ")::"
                    + (type == null ? "text" : type.sqlType()));
        }
        return String.join(" and ", parts);
    }

    public Result run(int batchNo, ProgressListener progress) throws SQLException {
        dev.backfill.plan.Plan plan = workspace.plan();
        long start = System.nanoTime();
        try (PlanLock lock = PlanLock.acquire(workspace.target(), workspace.control(), plan.name(),
                "rollback of batch " + batchNo + " by " + Workspace.actor())) {
            Runs runs = new Runs(workspace.control());
            long runId = runs.start(workspace.target(), plan.name(), "rollback", batchNo, plan.checksum(),
                    System.getProperty("user.name", "unknown"), Workspace.host());
            try {
                Result result = Transactions.inTransaction(workspace.target(), connection -> execute(connection, runId, batchNo, progress, start));
                runs.finish(workspace.target(), runId, "done", Json.NODES.objectNode().put("batch", batchNo)
                        .put("users", result.users()).put("missing_rows", result.missingRows())
                        .put("seconds", Math.round(result.seconds() * 1000) / 1000.0));
                return result;
            } catch (SQLException | RuntimeException e) {
                runs.finish(workspace.target(), runId, "failed", Json.NODES.objectNode().put("error", String.valueOf(e.getMessage())));
                throw e;
            }
        }
    }

    private Result execute(Connection connection, long runId, int batchNo, ProgressListener progress, long start) throws SQLException {
        Plan preview = preview(connection, batchNo);
        if (preview.state() != BatchState.APPLIED && preview.state() != BatchState.APPLIED_WITH_FAILURES
                && preview.state() != BatchState.APPLYING) {
            throw new IllegalStateException("Batch " + batchNo + " is " + preview.state() + "; only an applied batch can be rolled back.");
        }
        if (!preview.allowed()) {
            StringBuilder why = new StringBuilder("Batch " + batchNo + " cannot be rolled back while later batches depend on it:");
            preview.blockers().forEach((batch, reason) -> why.append("\n- batch ").append(batch).append(": ").append(reason));
            why.append("\nRoll those back first (latest first): 'backfill rollback PLAN --batch ")
                    .append(new TreeSet<>(preview.blockers().keySet()).last()).append("'.");
            throw new IllegalStateException(why.toString());
        }
        TargetShape shape = workspace.catalog().shape();
        ControlSchema control = workspace.control();
        List<Entity> reverse = new ArrayList<>(workspace.plan().entities());
        java.util.Collections.reverse(reverse);
        int missing = 0;
        int done = 0;
        for (Entity entity : reverse) {
            int expected = preview.changes().stream().filter(c -> c.entity().equals(entity.name())).mapToInt(TableChange::rowsToDelete).sum();
            if (expected > 0) {
                int deleted = deleteInserted(connection, entity, shape, batchNo);
                missing += expected - deleted;
            }
            restoreUpdated(connection, entity, shape, batchNo);
            progress.onProgress(Progress.of("Rolling back batch " + batchNo, ++done, reverse.size(), 0, start));
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("ledger")
                + " set rolled_back_run = ?, rolled_back_at = now() where plan = ? and batch_no = ? and rolled_back_at is null")) {
            statement.setLong(1, runId);
            statement.setString(2, workspace.plan().name());
            statement.setInt(3, batchNo);
            statement.executeUpdate();
        }
        int users;
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("user_outcomes")
                + " (run_id, plan, batch_no, user_key, outcome, rows) select ?, plan, batch_no, user_key, 'rolled_back', 0 from "
                + control.table("users") + " where plan = ? and batch_no = ? and status = 'migrated'")) {
            statement.setLong(1, runId);
            statement.setString(2, workspace.plan().name());
            statement.setInt(3, batchNo);
            users = statement.executeUpdate();
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set status = 'rolled_back', updated_at = now() where plan = ? and batch_no = ? and status <> 'planned'")) {
            statement.setString(1, workspace.plan().name());
            statement.setInt(2, batchNo);
            statement.executeUpdate();
        }
        BatchStore batches = new BatchStore(control, workspace.plan().name());
        batches.revokeApproval(connection, batchNo, "batch rolled back (run " + runId + ")");
        batches.setState(connection, batchNo, BatchState.ROLLED_BACK);
        batches.clearPause(connection, batchNo);
        return new Result(batchNo, users, preview.changes(), missing, (System.nanoTime() - start) / 1e9);
    }

    private int deleteInserted(Connection connection, Entity entity, TargetShape shape, int batchNo) throws SQLException {
        String sql = "delete from " + Sql.table(entity.into()) + " t using (select k.value as key from " + workspace.control().table("ledger")
                + " l cross join jsonb_array_elements(l.row_keys) k where l.plan = ? and l.batch_no = ? and l.entity = ?"
                + " and l.op = 'insert' and l.rolled_back_at is null) d where " + identityMatch(entity, shape, "t", "d.key");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, workspace.plan().name());
            statement.setInt(2, batchNo);
            statement.setString(3, entity.name());
            return statement.executeUpdate();
        }
    }

    private void restoreUpdated(Connection connection, Entity entity, TargetShape shape, int batchNo) throws SQLException {
        List<String> columns = entity.targetColumns();
        String set = Sql.columns(columns);
        String values = String.join(", ", columns.stream().map(c -> "b." + Sql.quote(c)).toList());
        StringBuilder match = new StringBuilder();
        for (String identity : entity.identityColumns()) {
            match.append(match.length() == 0 ? "" : " and ").append("t.").append(Sql.quote(identity)).append(" = b.").append(Sql.quote(identity));
        }
        String sql = "update " + Sql.table(entity.into()) + " t set (" + set + ") = row(" + values + ") from (select r.* from "
                + workspace.control().table("ledger") + " l cross join jsonb_array_elements(l.before_images) i"
                + " cross join jsonb_populate_record(null::" + Sql.table(entity.into()) + ", i.value) r where l.plan = ? and l.batch_no = ?"
                + " and l.entity = ? and l.op = 'update' and l.rolled_back_at is null) b where " + match;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, workspace.plan().name());
            statement.setInt(2, batchNo);
            statement.setString(3, entity.name());
            statement.executeUpdate();
        }
    }
}
