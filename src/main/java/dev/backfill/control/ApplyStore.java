package dev.backfill.control;

import dev.backfill.db.Copy;
import dev.backfill.lifecycle.LedgerOp;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Finding;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What apply reads and writes about users in the control schema. */
public final class ApplyStore {
    private final ControlSchema control;
    private final String plan;
    private final DryRunStore dryRuns;

    /** What the DBA reviewed of one user, as the approval recorded it. */
    public record Reviewed(String sourceFingerprint, String targetFingerprint) {}

    /**
     * One ledger row: the rows one user's apply wrote into one table, with each row's hash and its
     * columns' hashes (in key order) so a later change by the live app can be told apart.
     */
    public record LedgerEntry(String user, String entity, String table, int seq, LedgerOp op, String rowKeysJson,
                              String beforeImagesJson, int rowCount, BigInteger checksum, long[] rowHashes, String[] columnHashes,
                              Long pendingId, Integer releasedByBatch, Proof proof) {
        /** A ledger row of rows written with their user (not through the pending mechanism). */
        public LedgerEntry(String user, String entity, String table, int seq, LedgerOp op, String rowKeysJson, String beforeImagesJson,
                           int rowCount, BigInteger checksum, long[] rowHashes, String[] columnHashes) {
            this(user, entity, table, seq, op, rowKeysJson, beforeImagesJson, rowCount, checksum, rowHashes, columnHashes, null, null, null);
        }

        /** A ledger row written through the pending mechanism, before apply has checked its rows. */
        public LedgerEntry(String user, String entity, String table, int seq, LedgerOp op, String rowKeysJson, String beforeImagesJson,
                           int rowCount, BigInteger checksum, long[] rowHashes, String[] columnHashes, Long pendingId,
                           Integer releasedByBatch) {
            this(user, entity, table, seq, op, rowKeysJson, beforeImagesJson, rowCount, checksum, rowHashes, columnHashes, pendingId,
                    releasedByBatch, null);
        }

        /** The same ledger row with what apply proved about its rows. */
        public LedgerEntry withProof(Proof proof) {
            return new LedgerEntry(user, entity, table, seq, op, rowKeysJson, beforeImagesJson, rowCount, checksum, rowHashes,
                    columnHashes, pendingId, releasedByBatch, proof);
        }
    }

    /**
     * What apply found when it read the rows back in their writing transaction, each equal to its planned
     * row: that transaction's id (xid8, as text) and the cluster's system identifier, which the rows carry
     * as xmin until they are rewritten, and the sum of the rows' identity hashes. Parity trusts rows still
     * carrying that xmin without hashing them again (V4 of the control schema).
     */
    public record Proof(String writtenXid, long writtenSystem, BigInteger keyHash) {}

    ApplyStore(ControlSchema control, String plan, DryRunStore dryRuns) {
        this.control = control;
        this.plan = plan;
        this.dryRuns = dryRuns;
    }

    /** Users of the batch still to apply under this approval, with what was reviewed of each, in partition order. */
    public Map<String, Reviewed> approvedUsers(Connection connection, int batch, long approvalId) throws SQLException {
        String sql = "select u.user_key, au.fingerprint, au.target_fingerprint from " + control.table("users") + " u join "
                + control.table("approval_users") + " au on au.user_key = u.user_key and au.approval_id = ?"
                + " where u.plan = ? and u.batch_no = ? and u.status = '" + UserStatus.APPROVED.sql() + "' order by u.position, u.user_key";
        Map<String, Reviewed> approved = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, approvalId);
            statement.setString(2, plan);
            statement.setInt(3, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    approved.put(rows.getString(1), new Reviewed(rows.getString(2), rows.getString(3)));
                }
            }
        }
        return approved;
    }

    /**
     * Of these users, the ones no longer waiting for apply (migrated by a commit whose acknowledgement
     * was lost, or moved on by another writer). Locks the users' rows until the caller's transaction
     * ends, so two writers can never both decide a user is still to do.
     */
    public Set<String> notApproved(Connection connection, List<String> users) throws SQLException {
        Set<String> done = new HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement("select user_key, status from " + control.table("users")
                + " where plan = ? and user_key = any(?) order by user_key for update")) {
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", users.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    if (UserStatus.of(rows.getString(2)) != UserStatus.APPROVED) {
                        done.add(rows.getString(1));
                    }
                }
            }
        }
        return done;
    }

    /** A batch's users by what an apply made of them, whichever writer did: {@link #outcomes}. */
    public record Outcomes(int applied, int failed, int sourceChanged, int targetChanged) {}

    /**
     * Of {@code users} (those one run set out to apply), how many are migrated; of the batch's users, how many
     * are held back, by why. A held-back user of the batch is one of its approval in force: approving it again
     * makes every user not migrated approved again.
     */
    public Outcomes outcomes(Connection connection, int batch, Collection<String> users) throws SQLException {
        // One statement, so one snapshot: a worker committing a chunk meanwhile cannot make the two counts disagree.
        // Planned anew each time, with the array in hand (no server-side prepared statement): a generic plan, which
        // the server caches for a statement a process runs again and again, does not know the array's size and may
        // test each of the batch's rows against the whole array, n² comparisons for a batch of n users (770 ms at
        // 10,000 users, 7 s at 30,000, measured). Knowing it, the server looks the users up through the primary key,
        // or (PostgreSQL 14 and later) tests each row against a hash of the array.
        String table = control.table("users");
        java.util.Map<UserStatus, Integer> batchWide = new java.util.EnumMap<>(UserStatus.class);
        int applied = 0;
        try (PreparedStatement statement = connection.prepareStatement("select m.migrated, s.status, s.users from (select count(*)"
                + " as migrated from " + table + " where plan = ? and user_key = any(?) and batch_no = ? and status = '"
                + UserStatus.MIGRATED.sql() + "') m left join (select status, count(*) as users from " + table
                + " where plan = ? and batch_no = ? group by status) s on true")) {
            statement.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
            statement.setString(1, plan);
            statement.setArray(2, connection.createArrayOf("text", users.toArray()));
            statement.setInt(3, batch);
            statement.setString(4, plan);
            statement.setInt(5, batch);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    applied = rows.getInt(1);
                    if (rows.getString(2) != null) {
                        batchWide.put(UserStatus.of(rows.getString(2)), rows.getInt(3));
                    }
                }
            }
        }
        return new Outcomes(applied, batchWide.getOrDefault(UserStatus.FAILED, 0), batchWide.getOrDefault(UserStatus.SOURCE_CHANGED, 0),
                batchWide.getOrDefault(UserStatus.TARGET_CHANGED, 0));
    }

    /**
     * Holds users back (failed, source or target changed) with the reason, unless another writer
     * migrated them meanwhile.
     */
    public void holdBack(Connection connection, List<String> users, UserStatus status, String reason) throws SQLException {
        if (!UserStatus.HELD_BACK.contains(status)) {
            throw new IllegalArgumentException(status + " is not a held-back status");
        }
        try (PreparedStatement statement = connection.prepareStatement("update " + control.table("users")
                + " set status = ?, last_error = ?, updated_at = now() where plan = ? and user_key = any(?) and status = '"
                + UserStatus.APPROVED.sql() + "'")) {
            statement.setString(1, status.sql());
            statement.setString(2, reason);
            statement.setString(3, plan);
            statement.setArray(4, connection.createArrayOf("text", users.toArray()));
            statement.executeUpdate();
        }
    }

    public void markMigrated(Connection connection, List<String> users) throws SQLException {
        new BatchCounts(control, plan).moveUsers(connection, UserStatus.MIGRATED, true, "user_key = any(?)", (statement, first) -> {
            statement.setArray(first, connection.createArrayOf("text", users.toArray()));
            return first + 1;
        });
    }

    /** What {@link #markMigrated} runs, as the preview shows it: one statement that also moves the users' batch counts. */
    public String markMigratedStatement() {
        return "UPDATE " + control.table("users") + " SET status = '" + UserStatus.MIGRATED.sql() + "', last_error = NULL,"
                + " updated_at = now() WHERE plan = ? AND user_key = ANY(?), and in the same statement INSERT INTO "
                + control.table("batch_counts") + " ... ON CONFLICT DO UPDATE: the users move from 'approved' to 'migrated' in their"
                + " batch's counts";
    }

    /**
     * Keeps the planner's statistics of the ledger and the users table in step with a bulk apply, which
     * outruns autovacuum (parity and rollback plan their joins from these numbers). A table is analyzed
     * only when the rows it gained or changed since its last analyze (the server's count, which may lag a
     * second; the vacuum below leaves it alone) reach a fifth of its size: autovacuum's rule, applied at
     * once. The analyze is plain, so that it resets that count, and cheap: the wide jsonb and array
     * columns no query filters on have statistics 0 (V6), which the whole-table analyze that cost up
     * to 1.4 s per batch sampled. The ledger is vacuumed after every batch (only its new pages are read,
     * about 10 ms): that marks them all-visible, so parity's totals come from the narrow
     * {@code ledger_parity} index alone. Needs autocommit.
     */
    public void refreshStatistics(Connection connection) throws SQLException {
        String ledger = control.table("ledger");
        String users = control.table("users");
        String sql = "select (select reltuples from pg_class where oid = to_regclass(?)),"
                + " (select coalesce(n_mod_since_analyze, 0) from pg_stat_all_tables where relid = to_regclass(?)),"
                + " (select reltuples from pg_class where oid = to_regclass(?)),"
                + " (select coalesce(n_mod_since_analyze, 0) from pg_stat_all_tables where relid = to_regclass(?))";
        List<String> stale = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, ledger);
            statement.setString(2, ledger);
            statement.setString(3, users);
            statement.setString(4, users);
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                if (stale(rows.getLong(2), Math.max(rows.getDouble(1), 0))) {
                    stale.add("analyze " + ledger);
                }
                if (stale(rows.getLong(4), Math.max(rows.getDouble(3), 0))) {
                    stale.add("analyze " + users);
                }
            }
        }
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.execute("vacuum " + ledger);
            for (String analyze : stale) {
                statement.execute(analyze);
            }
        }
    }

    private static boolean stale(double changedRows, double tableRows) {
        return changedRows > STALE_FRACTION * tableRows + STALE_ROWS;
    }

    /** A table whose rows gained or changed since its last analyze exceed this fraction of its size, plus {@link #STALE_ROWS}, is analyzed. */
    private static final double STALE_FRACTION = 0.2;
    private static final long STALE_ROWS = 1000;

    private static final String LEDGER_COLUMNS = "plan, run_id, batch_no, user_key, entity, target_table, seq, op, row_keys,"
            + " before_images, row_count, checksum, row_hashes, column_hashes, pending_id, released_by_batch, written_xid, written_system,"
            + " key_hash";

    /** The ledger's COPY statement, as the preview shows it. */
    public String ledgerCopyStatement() {
        return Copy.statement(control.table("ledger"), LEDGER_COLUMNS);
    }

    public void writeLedger(Connection connection, long runId, int batch, List<LedgerEntry> entries) throws SQLException {
        writeLedger(connection, runId, entries, e -> batch);
    }

    /** Ledger rows whose batch is each row's own (a released row belongs to its user's batch, not the applying one). */
    public void writeLedger(Connection connection, long runId, List<LedgerEntry> entries,
                            java.util.function.ToIntFunction<LedgerEntry> batchOf) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (Copy copy = Copy.into(connection, control.table("ledger"), LEDGER_COLUMNS)) {
            for (LedgerEntry e : entries) {
                copy.row(Arrays.asList(plan, runId, batchOf.applyAsInt(e), e.user(), e.entity(), e.table(), e.seq(), e.op().sql(),
                        e.rowKeysJson(), e.beforeImagesJson(), e.rowCount(), new BigDecimal(e.checksum()), Copy.array(e.rowHashes()),
                        Copy.array(e.columnHashes()), e.pendingId(), e.releasedByBatch(),
                        e.proof() == null ? null : e.proof().writtenXid(), e.proof() == null ? null : e.proof().writtenSystem(),
                        e.proof() == null ? null : new BigDecimal(e.proof().keyHash())));
            }
            copy.end();
        }
    }

    /** What happened to a user in an apply run. */
    public enum Outcome {
        APPLIED, FAILED, SOURCE_CHANGED, TARGET_CHANGED, ROLLED_BACK, KEPT;

        String sql() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One outcome row per user; {@code rows} and {@code messages} may hold nulls. */
    public void recordOutcomes(Connection connection, long runId, int batch, Outcome outcome, Map<String, Integer> rowsByUser,
                               Map<String, String> messages) throws SQLException {
        try (Copy copy = Copy.into(connection, control.table("user_outcomes"), "run_id, plan, batch_no, user_key, outcome, rows, message")) {
            for (Map.Entry<String, Integer> user : rowsByUser.entrySet()) {
                copy.row(Arrays.asList(runId, plan, batch, user.getKey(), outcome.sql(), user.getValue(), messages.get(user.getKey())));
            }
            copy.end();
        }
    }

    public void recordFindings(Connection connection, long runId, List<Finding> findings) throws SQLException {
        dryRuns.writeFindings(connection, runId, findings);
    }
}
