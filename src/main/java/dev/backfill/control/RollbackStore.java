package dev.backfill.control;

import dev.backfill.db.Copy;
import dev.backfill.db.ChecksumSql;
import dev.backfill.db.Sql;
import dev.backfill.lifecycle.LedgerOp;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.RowHash;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a rollback reads from and writes to the ledger, and the target rows the ledger names: what a
 * batch wrote, which of those rows the live app changed since, and undoing the rest.
 */
public final class RollbackStore {
    /** What a rollback will do (or did) to one target table. */
    public record TableChange(String entity, String table, int rowsToDelete, int rowsToRestore) {
        /** The table, or "table (entity)" when other entities among {@code all} write the same table. */
        public String label(List<TableChange> all) {
            return all.stream().filter(other -> other.table().equals(table)).count() > 1 ? table + " (" + entity + ")" : table;
        }
    }

    /**
     * A row the batch wrote that is not as apply left it: the live app changed it (these columns) or
     * deleted it. {@code image} is its content now (JSON), null when deleted.
     */
    public record DriftedRow(String user, String entity, String table, LedgerOp op, String keyJson, boolean deleted,
                             List<String> changedColumns, String image) {}

    private final ControlSchema control;
    private final String plan;

    RollbackStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Per table, the rows the batch's active ledger rows inserted and updated, children first. */
    public List<TableChange> changes(Connection connection, int batch) throws SQLException {
        List<TableChange> changes = new ArrayList<>();
        String sql = "select entity, target_table, coalesce(sum(row_count) filter (where op = 'insert'), 0),"
                + " coalesce(sum(row_count) filter (where op = 'update'), 0), min(seq) from " + control.table("ledger")
                + " where plan = ? and batch_no = ? and rolled_back_at is null group by entity, target_table order by min(seq) desc, entity";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    changes.add(new TableChange(rows.getString(1), rows.getString(2), rows.getInt(3), rows.getInt(4)));
                }
            }
        }
        return changes;
    }

    /**
     * Other applied batches that depend on this one: rows they wrote with their own users reference
     * rows this batch inserted (shared rows, or updated rows), or they updated rows this batch
     * inserted. Batch → reason. Rows written as another user's pending rows are not blockers: they
     * go back to waiting (see {@link #dependants}).
     */
    public Map<Integer, String> blockers(Connection connection, int batch, Plan planFile, TargetShape shape) throws SQLException {
        Map<Integer, String> blockers = new LinkedHashMap<>();
        String ledger = control.table("ledger");
        for (Entity entity : planFile.entities()) {
            for (ColumnSpec column : entity.columns()) {
                if (column.ref() == null) {
                    continue;
                }
                Entity referenced = planFile.requireEntity(column.ref());
                if (!referencedFromOutside(connection, batch, entity, column, referenced, shape)) {
                    continue;
                }
                String sql = "select distinct l.batch_no from " + ledger + " l cross join jsonb_array_elements(l.row_keys) k"
                        + " join " + Sql.table(entity.into()) + " e on " + LedgerSql.identityMatch(entity, shape, "e", "k.value")
                        + " where l.plan = ? and l.entity = ? and l.batch_no <> ? and l.rolled_back_at is null and l.pending_id is null"
                        + " and e." + Sql.quote(column.name()) + " in (select (r.value->>0)::"
                        + LedgerSql.sqlType(shape, referenced, referenced.id().column())
                        + " from " + ledger + " b cross join jsonb_array_elements(b.row_keys) r where b.plan = ? and b.batch_no = ?"
                        + " and b.entity = ? and b.op = 'insert' and b.rolled_back_at is null)";
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    statement.setString(1, plan);
                    statement.setString(2, entity.name());
                    statement.setInt(3, batch);
                    statement.setString(4, plan);
                    statement.setInt(5, batch);
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
            statement.setInt(1, batch);
            statement.setString(2, plan);
            statement.setInt(3, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    blockers.putIfAbsent(rows.getInt(1), "it updated rows this batch inserted");
                }
            }
        }
        return blockers;
    }

    /**
     * Whether a target row of {@code entity} that this batch may not have inserted references, through
     * {@code column}, a row this batch inserted. Starts from the batch's own rows: the referencing
     * column's index finds the rows that point at them, and a row still carrying the transaction id
     * (xmin) of one of this batch's inserts of the entity is one of its own rows (the ledger records
     * each writing transaction). So the usual answer, no, costs the batch's size; a yes (or a batch
     * whose writing transactions cannot be told: written before they were recorded, in another
     * cluster, or 2 billion transactions ago) searches the other batches' ledger rows, which grow with
     * everything applied: 4.2 s of a 23 s rollback at 300,000 users before this check.
     */
    private boolean referencedFromOutside(Connection connection, int batch, Entity entity, ColumnSpec column, Entity referenced,
                                          TargetShape shape) throws SQLException {
        String ledger = control.table("ledger");
        String ownInserts = ledger + " o where o.plan = ? and o.batch_no = ? and o.entity = ? and o.op = 'insert' and o.rolled_back_at is null";
        String xidKnown = "o.written_xid is not null and o.written_system = (select system_identifier from pg_control_system())"
                + " and o.written_xid::text::numeric > pg_current_xact_id()::text::numeric - 2000000000";
        String sql = "select 1 from " + Sql.table(entity.into()) + " e where e." + Sql.quote(column.name()) + " = any(array(select (r.value->>0)::"
                + LedgerSql.sqlType(shape, referenced, referenced.id().column()) + " from " + ledger
                + " b cross join jsonb_array_elements(b.row_keys) r where b.plan = ? and b.batch_no = ? and b.entity = ? and b.op = 'insert'"
                + " and b.rolled_back_at is null)) and (exists (select 1 from " + ownInserts + " and not (" + xidKnown + "))"
                + " or e.xmin not in (select xid(o.written_xid) from " + ownInserts + ")) limit 1";
        // The ids go over as one array: by the referencing column's index the server looks each up; on a small
        // table it chose a sequential scan instead, comparing every row with every id (0.55 s for 20,000 rows).
        // Local to the caller's transaction (rollback and its preview run in one): a failure there undoes it too.
        try (java.sql.Statement setting = connection.createStatement()) {
            setting.execute("set local enable_seqscan = off");
            boolean found;
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int i = 1;
                for (String name : List.of(referenced.name(), entity.name(), entity.name())) {
                    statement.setString(i++, plan);
                    statement.setInt(i++, batch);
                    statement.setString(i++, name);
                }
                try (ResultSet rows = statement.executeQuery()) {
                    found = rows.next();
                }
            }
            setting.execute("reset enable_seqscan");
            return found;
        }
    }

    /**
     * The transaction that wrote a ledger row's target rows and read them back equal to their planned
     * rows, where its id can be trusted to still mean it: recorded in this database cluster, and less
     * than 2 billion transactions ago (32-bit xmin values wrap). Null otherwise.
     */
    private static final String WRITER_XID = "case when l.written_system = (select system_identifier from pg_control_system())"
            + " and l.written_xid::text::numeric > pg_current_xact_id()::text::numeric - 2000000000 then xid(l.written_xid) end";

    /**
     * The active ledger keys of one entity of the batch, and of the dependants (rows of other batches
     * that must go back to waiting), as a subquery yielding (user_key, op, ord, key, row_hash, column_hashes, batch_no).
     */
    private String keys(String ledger) {
        return "(select l.user_key, l.op, k.ord, k.value as key, l.row_hashes[k.ord] as row_hash, l.column_hashes[k.ord] as column_hashes,"
                + " l.batch_no, " + WRITER_XID + " as writer_xid from " + ledger + " l cross join lateral jsonb_array_elements(l.row_keys) with ordinality as k(value, ord)"
                + " where l.plan = ? and (l.batch_no = ? or l.pending_id = any(?)) and l.entity = ? and l.rolled_back_at is null)";
    }

    /**
     * Rows of users of other batches, written because they referenced rows of this batch (or rows that
     * did, in turn): pending ids. Rolling the batch back puts them back to waiting, in the same transaction.
     */
    public List<Long> dependants(Connection connection, int batch, Collection<String> keptUsers) throws SQLException {
        String pending = control.table("pending_rows");
        String refs = control.table("pending_refs");
        String sql = "with recursive dep(pending_id, entity, id) as ("
                + " select p.pending_id, p.entity, p.row_key->>0 from " + pending + " p join " + refs + " r on r.pending_id = p.pending_id"
                + " join (select l.entity, k.value->>0 as id from " + control.table("ledger") + " l cross join jsonb_array_elements(l.row_keys) k"
                + " where l.plan = ? and l.batch_no = ? and l.op = 'insert' and l.rolled_back_at is null and l.user_key <> all(?)) b"
                + " on b.entity = r.ref_entity and b.id = r.ref_id where p.plan = ? and p.state = 'written' and p.batch_no <> ?"
                // a filter the server tests once, first: without written waiting rows it does not read the batch's ledger keys
                // (it did at 100,000 users, 150 ms for every rollback, when the planner began with them)
                + " and exists (select 1 from " + pending + " w where w.plan = ? and w.state = 'written' and w.batch_no <> ?)"
                + " union"
                + " select p.pending_id, p.entity, p.row_key->>0 from " + pending + " p join " + refs + " r on r.pending_id = p.pending_id"
                + " join dep d on d.entity = r.ref_entity and d.id = r.ref_id where p.plan = ? and p.state = 'written' and p.batch_no <> ?)"
                + " select distinct pending_id from dep order by 1";
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setArray(3, connection.createArrayOf("text", keptUsers.toArray()));
            statement.setString(4, plan);
            statement.setInt(5, batch);
            statement.setString(6, plan);
            statement.setInt(7, batch);
            statement.setString(8, plan);
            statement.setInt(9, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
        }
        return ids;
    }

    /** Per table, how many of these dependants it holds. */
    public Map<String, Integer> dependantsByTable(Connection connection, List<Long> dependants) throws SQLException {
        Map<String, Integer> byTable = new LinkedHashMap<>();
        if (dependants.isEmpty()) {
            return byTable;
        }
        try (PreparedStatement statement = connection.prepareStatement("select target_table, count(*) from " + control.table("pending_rows")
                + " where pending_id = any(?) group by target_table order by target_table")) {
            statement.setArray(1, connection.createArrayOf("bigint", dependants.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    byTable.put(rows.getString(1), rows.getInt(2));
                }
            }
        }
        return byTable;
    }

    /** Closes the dependants' own ledger rows (their rows are deleted) and puts them back to waiting. */
    public void returnToWaiting(Connection connection, long runId, List<Long> dependants) throws SQLException {
        if (dependants.isEmpty()) {
            return;
        }
        Object ids = connection.createArrayOf("bigint", dependants.toArray());
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("ledger")
                + " set rolled_back_run = ?, rolled_back_at = now() where plan = ? and pending_id = any(?) and rolled_back_at is null")) {
            statement.setLong(1, runId);
            statement.setString(2, plan);
            statement.setObject(3, ids);
            statement.executeUpdate();
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("pending_rows")
                + " set state = 'waiting', written_run = null, released_by_batch = null, updated_at = now() where plan = ? and pending_id = any(?)")) {
            statement.setString(1, plan);
            statement.setObject(2, ids);
            statement.executeUpdate();
        }
    }

    /** The batch's users' pending rows (waiting or written) are dropped, but the kept users': a new apply makes them again. */
    public void dropPending(Connection connection, int batch, Collection<String> keptUsers) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("pending_rows") + " set state = 'dropped',"
                + " updated_at = now() where plan = ? and batch_no = ? and state <> 'dropped' and user_key <> all(?)")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setArray(3, connection.createArrayOf("text", keptUsers.toArray()));
            statement.executeUpdate();
        }
    }

    /**
     * Locks every target row the batch's ledger names for this entity until the caller's transaction
     * ends: a live-app write to them waits, so what the drift check sees is what the rollback undoes.
     */
    public void lockRows(Connection connection, int batch, List<Long> dependants, Entity entity, TargetShape shape) throws SQLException {
        String sql = "select 1 from " + Sql.table(entity.into()) + " t join " + keys(control.table("ledger")) + " d on "
                + LedgerSql.identityMatch(entity, shape, "t", "d.key") + " order by 1 for update of t";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bindKeys(connection, statement, 1, batch, dependants, entity);
            statement.executeQuery().close();
        }
    }

    /**
     * The rows of this entity the batch wrote that are not as apply left them: changed (the row's
     * hash differs; the column hashes say which columns) or deleted. Rows apply recorded without
     * hashes (a ledger from before live-safe rollback) are not checked. A row still carrying the xmin of
     * the transaction that wrote it and read it back equal to its plan is that very row version: it is
     * not hashed again (parity relies on the same fact), which was most of a large rollback's time.
     */
    public List<DriftedRow> drifted(Connection connection, int batch, List<Long> dependants, Entity entity, TargetShape stored)
            throws SQLException {
        List<String> columns = entity.targetColumns();
        String first = Sql.quote(entity.identityColumns().get(0));
        String sql = "select d.user_key, d.op, d.key::text, t." + first + " is null, d.column_hashes, "
                + ChecksumSql.columnHashes("t", columns, LedgerSql.types(stored, entity)) + ", case when t." + first
                + " is null then null else row_to_json(t)::text end from " + keys(control.table("ledger")) + " d left join "
                + Sql.table(entity.into()) + " t on " + LedgerSql.identityMatch(entity, stored, "t", "d.key")
                + " where d.row_hash is not null and (t." + first + " is null or (t.xmin is distinct from d.writer_xid and "
                + ChecksumSql.rowHash("t", columns, LedgerSql.types(stored, entity)) + " <> d.row_hash))"
                + " order by d.user_key collate \"C\", d.ord";
        List<DriftedRow> drifted = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bindKeys(connection, statement, 1, batch, dependants, entity);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    boolean deleted = rows.getBoolean(4);
                    List<String> changed = deleted ? List.of() : changedColumns(columns, rows.getString(5), rows.getString(6));
                    drifted.add(new DriftedRow(rows.getString(1), entity.name(), entity.into(), LedgerOp.of(rows.getString(2)),
                            rows.getString(3), deleted, changed, rows.getString(7)));
                }
            }
        }
        return drifted;
    }

    private static List<String> changedColumns(List<String> columns, String expected, String actual) {
        List<String> changed = new ArrayList<>();
        int width = RowHash.COLUMN_HASH_DIGITS;
        for (int i = 0; i < columns.size(); i++) {
            int from = i * width;
            boolean known = expected != null && expected.length() >= from + width && actual != null && actual.length() >= from + width;
            if (!known || !expected.regionMatches(from, actual, from, width)) {
                changed.add(columns.get(i));
            }
        }
        return changed;
    }

    /** Deletes the rows the batch inserted for this entity, but those of the kept users. Returns how many were deleted. */
    public int deleteInserted(Connection connection, int batch, List<Long> dependants, Entity entity, TargetShape shape,
                              Collection<String> keptUsers) throws SQLException {
        // the batch's rows and the dependants go in one statement: a row of either may reference a row of the other
        String sql = "delete from " + Sql.table(entity.into()) + " t using " + keys(control.table("ledger")) + " d where d.op = 'insert'"
                + " and (d.batch_no <> ? or d.user_key <> all(?)) and " + LedgerSql.identityMatch(entity, shape, "t", "d.key");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int next = bindKeys(connection, statement, 1, batch, dependants, entity);
            statement.setInt(next++, batch);
            statement.setArray(next, connection.createArrayOf("text", keptUsers.toArray()));
            return statement.executeUpdate();
        }
    }

    /**
     * Puts back the before-images of the rows the batch updated for this entity, but those of the kept users.
     * Returns how many rows were restored.
     */
    public int restoreUpdated(Connection connection, int batch, Entity entity, TargetShape shape, Collection<String> keptUsers)
            throws SQLException {
        List<String> columns = entity.targetColumns();
        String values = String.join(", ", columns.stream().map(c -> "b." + Sql.quote(c)).toList());
        StringBuilder match = new StringBuilder();
        for (String identity : entity.identityColumns()) {
            match.append(match.length() == 0 ? "" : " and ").append("t.").append(Sql.quote(identity)).append(" = b.").append(Sql.quote(identity));
        }
        String sql = "update " + Sql.table(entity.into()) + " t set (" + Sql.columns(columns) + ") = row(" + values + ") from (select r.* from "
                + control.table("ledger") + " l cross join jsonb_array_elements(l.before_images) i"
                + " cross join jsonb_populate_record(null::" + Sql.table(entity.into()) + ", i.value) r where l.plan = ? and l.batch_no = ?"
                + " and l.entity = ? and l.op = 'update' and l.rolled_back_at is null and l.user_key <> all(?)) b where " + match;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setString(3, entity.name());
            int next = 4;
            statement.setArray(next, connection.createArrayOf("text", keptUsers.toArray()));
            return statement.executeUpdate();
        }
    }

    /** Keeps the live app's content of rows the rollback is about to overwrite, so the operator can export and restore it. */
    public void saveOverwritten(Connection connection, long runId, int batch, List<DriftedRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, control.table("overwritten_rows"),
                "plan, run_id, batch_no, user_key, entity, target_table, row_key, changed_columns, image")) {
            for (DriftedRow row : rows) {
                copy.row(java.util.Arrays.asList(plan, runId, batch, row.user(), row.entity(), row.table(), row.keyJson(),
                        Sql.textArray(row.changedColumns()), row.image()));
            }
            copy.end();
        }
    }

    /**
     * Closes the batch's ledger rows and records each user's outcome: the kept users stay migrated
     * (their ledger rows stay active), the others become rolled back. Returns how many users were rolled back.
     */
    public int finish(Connection connection, long runId, int batch, Collection<String> keptUsers) throws SQLException {
        Object kept = connection.createArrayOf("text", keptUsers.toArray());
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("ledger")
                + " set rolled_back_run = ?, rolled_back_at = now() where plan = ? and batch_no = ? and rolled_back_at is null"
                + " and user_key <> all(?)")) {
            statement.setLong(1, runId);
            statement.setString(2, plan);
            statement.setInt(3, batch);
            statement.setObject(4, kept);
            statement.executeUpdate();
        }
        int users = 0;
        String migrated = "'" + UserStatus.MIGRATED.sql() + "'";
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("user_outcomes")
                + " (run_id, plan, batch_no, user_key, outcome, rows) select ?, plan, batch_no, user_key,"
                + " case when user_key = any(?) then 'kept' else 'rolled_back' end, 0 from " + control.table("users")
                + " where plan = ? and batch_no = ? and status = " + migrated)) {
            statement.setLong(1, runId);
            statement.setObject(2, kept);
            statement.setString(3, plan);
            statement.setInt(4, batch);
            statement.executeUpdate();
        }
        for (UserStatus from : List.of(UserStatus.MIGRATED, UserStatus.APPROVED)) {
            int changed = new BatchCounts(control, plan).moveUsers(connection, UserStatus.ROLLED_BACK, false,
                    "batch_no = ? and status = '" + from.sql() + "' and user_key <> all(?)", (statement, first) -> {
                        statement.setInt(first, batch);
                        statement.setObject(first + 1, kept);
                        return first + 2;
                    });
            users = from == UserStatus.MIGRATED ? changed : users;
        }
        return users;
    }

    private int bindKeys(Connection connection, PreparedStatement statement, int from, int batch, List<Long> dependants, Entity entity)
            throws SQLException {
        statement.setString(from, plan);
        statement.setInt(from + 1, batch);
        statement.setArray(from + 2, connection.createArrayOf("bigint", dependants.toArray()));
        statement.setString(from + 3, entity.name());
        return from + 4;
    }

}
