package dev.backfill.control;

import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.BatchQueue;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The one way into a plan's control schema: hands out its stores and the read services the CLI and
 * the workbench share. Nothing outside this package writes the control schema's SQL.
 */
public final class Control {
    private final DataSource target;
    private final ControlSchema schema;
    private final String plan;
    private final String planChecksum;
    private final DryRunStore dryRuns;

    /** {@code planChecksum}: the plan file as it is now, against which approvals are judged. */
    public Control(DataSource target, ControlSchema schema, String plan, String planChecksum) {
        this.target = target;
        this.schema = schema;
        this.plan = plan;
        this.planChecksum = planChecksum;
        this.dryRuns = new DryRunStore(schema, plan);
    }

    /**
     * Batches in any control schema of this database (a plan may name its own) whose rows are in the
     * target: applying, applied, holding users back, or rolled back with users kept. One line each.
     */
    public static java.util.List<String> batchesWithWrittenRows(java.sql.Connection connection) throws java.sql.SQLException {
        java.util.List<String> schemas = new java.util.ArrayList<>();
        java.util.List<String> written = new java.util.ArrayList<>();
        try (java.sql.Statement statement = connection.createStatement()) {
            try (java.sql.ResultSet rows = statement.executeQuery("select table_schema from information_schema.columns"
                    + " where table_name = 'batches' and column_name in ('plan', 'batch_no', 'state')"
                    + " group by table_schema having count(*) = 3 order by 1")) {
                while (rows.next()) {
                    schemas.add(rows.getString(1));
                }
            }
            for (String schema : schemas) {
                String batches = dev.backfill.db.Sql.quote(schema) + ".batches";
                String users = dev.backfill.db.Sql.quote(schema) + ".users";
                try (java.sql.ResultSet rows = statement.executeQuery("select b.plan, b.batch_no, b.state from " + batches + " b"
                        + " where b.state in ('APPLYING', 'APPLIED', 'HELD_BACK', 'APPLIED_WITH_FAILURES') or exists (select 1 from "
                        + users + " u where u.plan = b.plan and u.batch_no = b.batch_no and u.status = 'migrated')"
                        + " order by b.plan, b.batch_no")) {
                    while (rows.next()) {
                        written.add("plan '" + rows.getString(1) + "': batch " + rows.getInt(2) + " " + rows.getString(3));
                    }
                }
            }
        }
        return written;
    }

    public String schemaName() {
        return schema.name();
    }

    /** Takes the plan's lock (one writer per plan); runs a dead process left running are marked interrupted. */
    public PlanLock lock(String holder) throws SQLException {
        return PlanLock.acquire(target, schema, plan, holder, false);
    }

    /** Takes the plan's lock together with the other writers of a batch (a worker); refused while an operator holds it alone. */
    public PlanLock sharedLock(String holder) throws SQLException {
        return PlanLock.acquire(target, schema, plan, holder, true);
    }

    public ChunkStore chunks() {
        return new ChunkStore(schema, plan);
    }

    public BatchStore batches() {
        return new BatchStore(schema, plan, planChecksum);
    }

    public DryRunStore dryRuns() {
        return dryRuns;
    }

    public ApplyStore applies() {
        return new ApplyStore(schema, plan, dryRuns);
    }

    public RollbackStore rollbacks() {
        return new RollbackStore(schema, plan);
    }

    public DirectoryStore directory() {
        return new DirectoryStore(schema, plan);
    }

    public PendingStore pending() {
        return new PendingStore(schema, plan);
    }

    public ParityStore parity() {
        return new ParityStore(schema, plan);
    }

    /** A fresh id map (it caches what it loaded and what it handed out). */
    public IdMapStore idMap() {
        return new IdMapStore(schema, plan);
    }

    public RunStore runs() {
        return new RunStore(target, schema, plan);
    }

    public UserStore users() {
        return new UserStore(target, schema, plan);
    }

    public FindingStore findings() {
        return new FindingStore(target, schema, plan);
    }

    public HistoryStore history() {
        return new HistoryStore(target, schema, plan);
    }

    /** The batch queue as it is now, with the lifecycle's rules over it (a read of its own). */
    public BatchQueue queue() throws SQLException {
        return Transactions.read(target, connection -> batches().queue(connection));
    }

    /**
     * The processes that have written this plan's batches (the applying one and any workers), newest first;
     * alive while they say so with a heartbeat younger than {@code staleSeconds}.
     */
    public List<ChunkStore.WorkerView> writers(double staleSeconds) throws SQLException {
        return Transactions.read(target, connection -> chunks().workers(connection, staleSeconds));
    }

    /** Rows waiting for other users' rows, per batch of their users (batch number as text). */
    public Map<String, Long> waitingByBatch() throws SQLException {
        return Transactions.read(target, connection -> pending().waitingByBatch(connection));
    }

    /** Rows waiting for other users' rows, per user of one batch. */
    public Map<String, Long> waitingByUser(int batch) throws SQLException {
        return Transactions.read(target, connection -> pending().waitingByUser(connection, batch));
    }

    /** Waiting rows of one batch's users that the target refused when they were released. */
    public List<PendingStore.Refused> refusedOfBatch(int batch) throws SQLException {
        return Transactions.read(target, connection -> pending().refusedOfBatch(connection, batch));
    }
}
