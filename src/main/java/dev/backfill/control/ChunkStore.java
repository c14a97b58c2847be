package dev.backfill.control;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The chunks of users of a batch being applied, claimed by writers with {@code FOR UPDATE SKIP LOCKED}
 * as leases, and the processes that write them. PostgreSQL is the only coordinator: a writer that
 * dies stops renewing its lease, and the next writer that asks takes its chunk over.
 */
public final class ChunkStore {

    /** A chunk a writer holds: its users, and how many writers held it before (a takeover when more than 1). */
    public record Claim(int batch, long approvalId, int chunk, List<String> users, int claims) {}

    /** How far a batch's chunks are: users and rows of the chunks done, chunks not done yet. */
    public record Totals(int chunks, int chunksDone, long usersTotal, long usersDone, long rowsDone) {
        public int open() {
            return chunks - chunksDone;
        }
    }

    /** A writing process as the workbench lists it. */
    public record WorkerView(String worker, String host, long pid, String role, int writers, Instant startedAt, Instant heartbeatAt,
                             Instant stoppedAt, Integer batch, int chunksDone, long usersDone, long rowsDone, double rowsPerSecond,
                             boolean alive) {}

    private final ControlSchema control;
    private final String plan;

    ChunkStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Cuts a batch's users into chunks anew (the chunks of an earlier, interrupted start are dropped). */
    public void replace(Connection connection, int batch, long approvalId, List<List<String>> chunks) throws SQLException {
        try (PreparedStatement drop = connection.prepareStatement("delete from " + control.table("apply_chunks")
                + " where plan = ? and batch_no = ?")) {
            drop.setString(1, plan);
            drop.setInt(2, batch);
            drop.executeUpdate();
        }
        try (PreparedStatement insert = connection.prepareStatement("insert into " + control.table("apply_chunks")
                + " (plan, batch_no, approval_id, chunk_no, users) values (?, ?, ?, ?, ?)")) {
            for (int i = 0; i < chunks.size(); i++) {
                insert.setString(1, plan);
                insert.setInt(2, batch);
                insert.setLong(3, approvalId);
                insert.setInt(4, i);
                insert.setArray(5, connection.createArrayOf("text", chunks.get(i).toArray()));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * Claims the first chunk of the batch nobody holds (never claimed, released, or whose holder's lease
     * ran out), for {@code leaseSeconds}; empty when none is left to claim.
     */
    public Optional<Claim> claim(Connection connection, int batch, String worker, double leaseSeconds) throws SQLException {
        String table = control.table("apply_chunks");
        String sql = "update " + table + " c set state = 'claimed', worker = ?, lease_until = clock_timestamp() + make_interval(secs => ?),"
                + " claims = c.claims + 1 where (c.plan, c.batch_no, c.approval_id, c.chunk_no) = (select plan, batch_no, approval_id, chunk_no"
                + " from " + table + " x where plan = ? and batch_no = ? and (state = 'todo' or (state = 'claimed' and lease_until < clock_timestamp()))"
                + " and exists (select 1 from " + control.table("batches") + " b where b.plan = x.plan and b.batch_no = x.batch_no"
                + " and b.state = 'APPLYING' and not b.pause_requested)"
                + " order by chunk_no limit 1 for update of x skip locked) returning c.approval_id, c.chunk_no, c.users, c.claims";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, worker);
            statement.setDouble(2, leaseSeconds);
            statement.setString(3, plan);
            statement.setInt(4, batch);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                Array users = row.getArray(3);
                return Optional.of(new Claim(batch, row.getLong(1), row.getInt(2), Arrays.asList((String[]) users.getArray()),
                        row.getInt(4)));
            }
        }
    }

    /** Extends the leases of the chunks this writer holds; returns how many it still holds. */
    public int renew(Connection connection, String worker, double leaseSeconds) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("apply_chunks")
                + " set lease_until = clock_timestamp() + make_interval(secs => ?) where plan = ? and worker = ? and state = 'claimed'")) {
            statement.setDouble(1, leaseSeconds);
            statement.setString(2, plan);
            statement.setString(3, worker);
            return statement.executeUpdate();
        }
    }

    /** Marks a chunk written, with what it wrote (whoever holds it now: its users are written at most once anyway). */
    public void done(Connection connection, Claim claim, int users, long rows) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("apply_chunks")
                + " set state = 'done', done_at = clock_timestamp(), users_done = ?, rows_done = ?, lease_until = null"
                + " where plan = ? and batch_no = ? and approval_id = ? and chunk_no = ? and state <> 'done'")) {
            statement.setInt(1, users);
            statement.setLong(2, rows);
            statement.setString(3, plan);
            statement.setInt(4, claim.batch());
            statement.setLong(5, claim.approvalId());
            statement.setInt(6, claim.chunk());
            statement.executeUpdate();
        }
    }

    /**
     * Drops the chunks of a paused batch that are not done, so that no worker takes them up again; the
     * apply that resumes the batch cuts its users into chunks anew.
     */
    public void dropOpen(Connection connection, int batch) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("delete from " + control.table("apply_chunks")
                + " where plan = ? and batch_no = ? and state <> 'done'")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.executeUpdate();
        }
    }

    /** Gives a chunk back unwritten (a pause, or a failure this writer cannot get past), for any writer to claim at once. */
    public void release(Connection connection, Claim claim, String worker) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("apply_chunks")
                + " set state = 'todo', worker = null, lease_until = null"
                + " where plan = ? and batch_no = ? and approval_id = ? and chunk_no = ? and state = 'claimed' and worker = ?")) {
            statement.setString(1, plan);
            statement.setInt(2, claim.batch());
            statement.setLong(3, claim.approvalId());
            statement.setInt(4, claim.chunk());
            statement.setString(5, worker);
            statement.executeUpdate();
        }
    }

    public Totals totals(Connection connection, int batch) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select count(*), count(*) filter (where state = 'done'),"
                + " coalesce(sum(cardinality(users)), 0), coalesce(sum(users_done), 0), coalesce(sum(rows_done), 0) from "
                + control.table("apply_chunks")
                + " where plan = ? and batch_no = ?")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return new Totals(row.getInt(1), row.getInt(2), row.getLong(3), row.getLong(4), row.getLong(5));
            }
        }
    }

    /** Chunks of the batch other writers hold under a lease that has not run out. */
    public int heldByOthers(Connection connection, int batch, String worker) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select count(*) from " + control.table("apply_chunks")
                + " where plan = ? and batch_no = ? and state = 'claimed' and worker <> ? and lease_until >= clock_timestamp()")) {
            statement.setString(1, plan);
            statement.setInt(2, batch);
            statement.setString(3, worker);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        }
    }

    /** Batches being applied that still have a chunk a writer may claim now, in queue order. */
    public List<Integer> batchesToHelp(Connection connection) throws SQLException {
        String sql = "select b.batch_no from " + control.table("batches") + " b where b.plan = ? and b.state = 'APPLYING'"
                + " and not b.pause_requested and exists (select 1 from " + control.table("apply_chunks") + " c where c.plan = b.plan"
                + " and c.batch_no = b.batch_no and (c.state = 'todo' or (c.state = 'claimed' and c.lease_until < clock_timestamp())))"
                + " order by b.position";
        List<Integer> batches = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    batches.add(rows.getInt(1));
                }
            }
        }
        return batches;
    }

    /** Lists a writing process, or starts it anew under the same name. */
    public void register(Connection connection, String worker, String host, long pid, String role, int writers) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("insert into " + control.table("workers")
                + " (plan, worker, host, pid, role, writers) values (?, ?, ?, ?, ?, ?) on conflict (plan, worker) do update set"
                + " host = excluded.host, pid = excluded.pid, role = excluded.role, writers = excluded.writers, started_at = now(),"
                + " heartbeat_at = now(), stopped_at = null, batch_no = null, chunks_done = 0, users_done = 0, rows_done = 0,"
                + " rows_per_second = 0")) {
            statement.setString(1, plan);
            statement.setString(2, worker);
            statement.setString(3, host);
            statement.setLong(4, pid);
            statement.setString(5, role);
            statement.setInt(6, writers);
            statement.executeUpdate();
        }
    }

    /** A writing process's heartbeat, with what it has done so far. */
    public void heartbeat(Connection connection, String worker, Integer batch, int chunks, long users, long rows, double rowsPerSecond)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("workers")
                + " set heartbeat_at = now(), batch_no = ?, chunks_done = ?, users_done = ?, rows_done = ?, rows_per_second = ?"
                + " where plan = ? and worker = ?")) {
            if (batch == null) {
                statement.setNull(1, java.sql.Types.INTEGER);
            } else {
                statement.setInt(1, batch);
            }
            statement.setInt(2, chunks);
            statement.setLong(3, users);
            statement.setLong(4, rows);
            statement.setDouble(5, rowsPerSecond);
            statement.setString(6, plan);
            statement.setString(7, worker);
            statement.executeUpdate();
        }
    }

    /** The process stopped writing; its line keeps the batch it wrote last, for the Writers tab. */
    public void stopped(Connection connection, String worker) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("workers")
                + " set stopped_at = now() where plan = ? and worker = ?")) {
            statement.setString(1, plan);
            statement.setString(2, worker);
            statement.executeUpdate();
        }
    }

    /**
     * The plan's writing processes, the 20 newest; alive when its heartbeat is younger than
     * {@code staleSeconds} and it did not say it stopped (a killed worker falls silent).
     */
    public List<WorkerView> workers(Connection connection, double staleSeconds) throws SQLException {
        String sql = "select worker, host, pid, role, writers, started_at, heartbeat_at, stopped_at, batch_no, chunks_done, users_done,"
                + " rows_done, rows_per_second, stopped_at is null and heartbeat_at > now() - make_interval(secs => ?) from "
                + control.table("workers") + " where plan = ? order by started_at desc, worker limit 20";
        List<WorkerView> workers = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setDouble(1, staleSeconds);
            statement.setString(2, plan);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    java.sql.Timestamp stopped = row.getTimestamp(8);
                    Integer batch = row.getObject(9, Integer.class);
                    workers.add(new WorkerView(row.getString(1), row.getString(2), row.getLong(3), row.getString(4), row.getInt(5),
                            row.getTimestamp(6).toInstant(), row.getTimestamp(7).toInstant(), stopped == null ? null : stopped.toInstant(),
                            batch, row.getInt(10), row.getLong(11), row.getLong(12), row.getDouble(13),
                            row.getBoolean(14)));
                }
            }
        }
        return workers;
    }
}
