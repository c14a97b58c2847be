package dev.backfill.control;

import dev.backfill.db.Copy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rows that reference other users' rows: those still waiting for a row that is not in the target,
 * and those written (kept here so that rolling back the row they reference puts them back to waiting).
 */
public final class PendingStore {

    /** A row it needs in the target: entity and id (as text). */
    public record Ref(String entity, String id) {}

    /** A pending row as stored. */
    public record PendingRow(long id, String user, int batch, String entity, String table, int seq, String keyJson, String copyLine,
                             long rowHash, String columnHashes, State state, Integer releasedByBatch, List<Ref> refs) {}

    public enum State {
        WAITING, WRITTEN, DROPPED;

        String sql() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static State of(String stored) {
            return valueOf(stored.toUpperCase(java.util.Locale.ROOT));
        }
    }

    private static final String COLUMNS = "p.pending_id, p.user_key, p.batch_no, p.entity, p.target_table, p.seq, p.row_key::text,"
            + " p.copy_line, p.row_hash, p.column_hashes, p.state, p.released_by_batch";

    private final ControlSchema control;
    private final String plan;

    PendingStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /**
     * Takes, until the caller's transaction ends, the plan's lock on rows waiting for other users' rows.
     * Writers of different chunks take it before they decide whether a row waits or is written, and
     * before they release rows waiting for theirs: without it, a row could be stored as waiting by one
     * transaction while another, unseen, writes and releases what it waits for, and it would wait forever.
     */
    public void lockWaiting(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select pg_advisory_xact_lock(hashtext(?), hashtext(?))")) {
            statement.setString(1, "backfill-workbench:" + control.name());
            statement.setString(2, plan + ":waiting-rows");
            statement.execute();
        }
    }

    /** Ids for new pending rows, in order. */
    public long[] allocate(Connection connection, int count) throws SQLException {
        long[] ids = new long[count];
        if (count == 0) {
            return ids;
        }
        try (PreparedStatement statement = connection.prepareStatement("select nextval(pg_get_serial_sequence(?, 'pending_id'))"
                + " from generate_series(1, ?)")) {
            statement.setString(1, control.name() + ".pending_rows");
            statement.setInt(2, count);
            try (ResultSet rows = statement.executeQuery()) {
                for (int i = 0; rows.next(); i++) {
                    ids[i] = rows.getLong(1);
                }
            }
        }
        return ids;
    }

    public void insert(Connection connection, long runId, long writtenRun, List<PendingRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, control.table("pending_rows"), "pending_id, plan, user_key, batch_no, entity,"
                + " target_table, seq, row_key, copy_line, row_hash, column_hashes, state, created_run, written_run, released_by_batch")) {
            for (PendingRow row : rows) {
                copy.row(Arrays.asList(row.id(), plan, row.user(), row.batch(), row.entity(), row.table(), row.seq(), row.keyJson(),
                        row.copyLine(), row.rowHash(), row.columnHashes(), row.state().sql(), runId,
                        row.state() == State.WRITTEN ? writtenRun : null, row.releasedByBatch()));
            }
            copy.end();
        }
        try (Copy copy = Copy.into(connection, control.table("pending_refs"), "pending_id, ref_entity, ref_id")) {
            for (PendingRow row : rows) {
                for (Ref ref : row.refs()) {
                    copy.row(Arrays.asList(row.id(), ref.entity(), ref.id()));
                }
            }
            copy.end();
        }
    }

    /**
     * Rows in {@code state} that reference any of these rows (entity → ids), with all their references; not rows
     * the target refused (they wait for their batch's rollback and a new apply).
     */
    public List<PendingRow> referencing(Connection connection, State state, Map<String, ? extends Collection<String>> ids)
            throws SQLException {
        List<String> entities = new ArrayList<>();
        List<String> values = new ArrayList<>();
        ids.forEach((entity, list) -> list.forEach(id -> {
            entities.add(entity);
            values.add(id);
        }));
        if (values.isEmpty()) {
            return List.of();
        }
        // driven from the ids (each looked up in the references' index), whatever the statistics say of the tables
        String sql = "select " + COLUMNS + " from (select distinct r.pending_id from unnest(?::text[], ?::text[]) as t(entity, id)"
                + " cross join lateral (select r.pending_id from " + control.table("pending_refs") + " r where r.ref_entity = t.entity"
                + " and r.ref_id = t.id) r) x join " + control.table("pending_rows") + " p on p.pending_id = x.pending_id"
                + " where p.plan = ? and p.state = ? and p.refused is null order by p.seq, p.pending_id";
        return query(connection, sql, statement -> {
            statement.setArray(1, connection.createArrayOf("text", entities.toArray()));
            statement.setArray(2, connection.createArrayOf("text", values.toArray()));
            statement.setString(3, plan);
            statement.setString(4, state.sql());
        });
    }

    /** Waiting rows of these users (a re-apply after a rollback, or a user's own rows). */
    public List<PendingRow> ofBatch(Connection connection, int batch, State state) throws SQLException {
        String sql = "select " + COLUMNS + " from " + control.table("pending_rows") + " p where p.plan = ? and p.batch_no = ? and p.state = ?"
                + " order by p.seq, p.pending_id";
        return query(connection, sql, statement -> {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setString(3, state.sql());
        });
    }

    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private List<PendingRow> query(Connection connection, String sql, Binder binder) throws SQLException {
        Map<Long, PendingRow> found = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getLong(1), new PendingRow(rows.getLong(1), rows.getString(2), rows.getInt(3), rows.getString(4),
                            rows.getString(5), rows.getInt(6), rows.getString(7), rows.getString(8), rows.getLong(9), rows.getString(10),
                            State.of(rows.getString(11)), (Integer) rows.getObject(12), new ArrayList<>()));
                }
            }
        }
        if (found.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement statement = connection.prepareStatement("select pending_id, ref_entity, ref_id from "
                + control.table("pending_refs") + " where pending_id = any(?)")) {
            statement.setArray(1, connection.createArrayOf("bigint", found.keySet().toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    found.get(rows.getLong(1)).refs().add(new Ref(rows.getString(2), rows.getString(3)));
                }
            }
        }
        return new ArrayList<>(found.values());
    }

    /** Marks rows written by a run (released by a batch's apply, or null when written with their own user). */
    public void markWritten(Connection connection, Collection<Long> ids, long runId, Integer releasedByBatch) throws SQLException {
        update(connection, "state = 'written', written_run = " + runId + ", released_by_batch = " + releasedByBatch
                + ", refused = null, refused_at = null", ids);
    }

    /**
     * Keeps rows waiting that the target refused when they were released (pending id → the target's message),
     * with why, and the batch whose apply released them: that apply goes on without them.
     */
    public void markRefused(Connection connection, Map<Long, String> messages, int byBatch) throws SQLException {
        if (messages.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("pending_rows") + " p set refused = m.message,"
                + " refused_at = now(), refused_by_batch = ?, updated_at = now() from unnest(?::bigint[], ?::text[]) as m(pending_id, message)"
                + " where p.plan = ? and p.pending_id = m.pending_id and p.state = 'waiting'")) {
            statement.setInt(1, byBatch);
            statement.setArray(2, connection.createArrayOf("bigint", messages.keySet().toArray()));
            statement.setArray(3, connection.createArrayOf("text", messages.values().toArray()));
            statement.setString(4, plan);
            statement.executeUpdate();
        }
    }

    /**
     * Waiting rows the target refused when an apply of {@code batch} released them under its approval
     * {@code approvalId} (since it was approved): by any process that wrote the batch.
     */
    public int countRefusedBy(Connection connection, int batch, long approvalId) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select count(*) from " + control.table("pending_rows")
                + " where plan = ? and refused_by_batch = ? and state = 'waiting' and refused is not null"
                + " and refused_at >= (select approved_at from " + control.table("approvals") + " where approval_id = ?)")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setLong(3, approvalId);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /** Of these ids of an entity's rows, those of rows still waiting (refused by the target, or not written yet). */
    public Set<String> waitingIds(Connection connection, String entity, Collection<String> ids) throws SQLException {
        Set<String> waiting = new java.util.HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement("select row_key->>0 from " + control.table("pending_rows")
                + " where plan = ? and entity = ? and state = 'waiting' and row_key->>0 = any(?)")) {
            statement.setString(1, plan);
            statement.setString(2, entity);
            statement.setArray(3, connection.createArrayOf("text", ids.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    waiting.add(rows.getString(1));
                }
            }
        }
        return waiting;
    }

    /** A waiting row the target refused when it was released: whose, which, and the target's message. */
    public record Refused(String user, String entity, String keyJson, String message, java.time.OffsetDateTime at) {}

    /** The waiting rows of one batch's users that the target refused when they were released, oldest first. */
    public List<Refused> refusedOfBatch(Connection connection, int batch) throws SQLException {
        List<Refused> refused = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("select user_key, entity, row_key::text, refused, refused_at from "
                + control.table("pending_rows") + " where plan = ? and batch_no = ? and state = 'waiting' and refused is not null"
                + " order by refused_at, pending_id")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    refused.add(new Refused(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getObject(5, java.time.OffsetDateTime.class)));
                }
            }
        }
        return refused;
    }

    /** Puts written rows back to waiting (the row they reference was rolled back). */
    public void markWaiting(Connection connection, Collection<Long> ids) throws SQLException {
        update(connection, "state = 'waiting', written_run = null, released_by_batch = null", ids);
    }

    private void update(Connection connection, String set, Collection<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("pending_rows") + " set " + set
                + ", updated_at = now() where plan = ? and pending_id = any(?)")) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("bigint", ids.toArray()));
            statement.executeUpdate();
        }
    }

    /** A rolled-back batch's users' pending rows (waiting or written) are dropped: a new apply makes them again. */
    public int dropOfBatch(Connection connection, int batch, Collection<String> exceptUsers) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("pending_rows") + " set state = 'dropped',"
                + " updated_at = now() where plan = ? and batch_no = ? and state <> 'dropped' and user_key <> all(?)")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setArray(3, connection.createArrayOf("text", exceptUsers.toArray()));
            return statement.executeUpdate();
        }
    }

    /** Waiting rows per entity. */
    public Map<String, Long> waitingByEntity(Connection connection) throws SQLException {
        return counts(connection, "entity", "");
    }

    /** Waiting rows per batch of their users. */
    public Map<String, Long> waitingByBatch(Connection connection) throws SQLException {
        return counts(connection, "batch_no::text", "");
    }

    /** Waiting rows per user of one batch. */
    public Map<String, Long> waitingByUser(Connection connection, int batch) throws SQLException {
        return counts(connection, "user_key", " and batch_no = " + batch);
    }

    /** One user's waiting rows per entity. */
    public Map<String, Long> waitingOfUser(Connection connection, String user) throws SQLException {
        return counts(connection, "entity", " and user_key = ?", user);
    }

    private Map<String, Long> counts(Connection connection, String group, String condition, String... parameters) throws SQLException {
        Map<String, Long> counts = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("select " + group + ", count(*) from " + control.table("pending_rows")
                + " where plan = ? and state = 'waiting'" + condition + " group by 1")) {
            statement.setString(1, plan);
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 2, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return counts;
    }
}
