package dev.backfill.engine;

import dev.backfill.control.BatchStore;
import dev.backfill.control.Control;
import dev.backfill.control.PlanLock;
import dev.backfill.control.RollbackStore;
import dev.backfill.control.RollbackStore.DriftedRow;
import dev.backfill.control.RollbackStore.TableChange;
import dev.backfill.db.IndexJoins;
import dev.backfill.db.OwnTriggers;
import dev.backfill.db.Transactions;
import dev.backfill.db.UniqueIndexes;
import dev.backfill.errors.RefusedException;
import dev.backfill.lifecycle.BatchEvent;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rolls a batch back from its ledger alone: deletes the rows it inserted and restores the rows it
 * updated, in reverse dependency order, in one transaction, with those rows locked against the
 * live app meanwhile. Rows the live app changed or deleted since apply (drifted) are never
 * overwritten silently: the rollback is refused unless the operator keeps the users with drifted
 * rows migrated, or has their current content saved and overwritten. Refused while rows of other
 * applied batches depend on the batch's rows.
 */
public final class Rollback {
    private static final int DRIFT_LISTED = 20;
    /** No batch number is this: the ledger rows of the dependants alone. */
    private static final int NO_BATCH = -1;

    /** What to do with rows the live app changed or deleted since apply. */
    public enum DriftChoice {
        /** Refuse while any row drifted (the default). */
        REFUSE,
        /** Keep the users with drifted rows migrated (their rows stay as the app left them); roll back the others. */
        KEEP_DRIFTED_USERS,
        /** Save the drifted rows' current content in the control schema, then roll back every user. */
        OVERWRITE_DRIFTED
    }

    /**
     * What rolling back would do, what blocks it, which rows the live app changed since apply, and the
     * rows of other batches that reference the batch's rows (they go back to waiting), per table.
     */
    public record Preview(int batch, BatchState state, int users, List<TableChange> changes, Map<Integer, String> blockers,
                          List<DriftedRow> drifted, Map<String, Integer> dependants, List<DriftedRow> dependantsDrifted) {
        public boolean allowed() {
            return blockers.isEmpty();
        }

        /** Users with at least one drifted row, of the batch or among the dependants. */
        public Set<String> driftedUsers() {
            Set<String> users = new TreeSet<>();
            allDrifted().forEach(d -> users.add(d.user()));
            return users;
        }

        /** Drifted rows of the batch and of the dependants. */
        public List<DriftedRow> allDrifted() {
            List<DriftedRow> all = new ArrayList<>(drifted);
            all.addAll(dependantsDrifted);
            return all;
        }

        /** The sentence about other users' rows that go back to waiting, or empty when there are none. */
        public Optional<String> dependantsNote() {
            int rows = dependants.values().stream().mapToInt(Integer::intValue).sum();
            if (rows == 0) {
                return Optional.empty();
            }
            StringBuilder note = new StringBuilder(rows + " row(s) of users in other batches reference rows of this batch; they are"
                    + " deleted with it and go back to waiting (");
            dependants.forEach((table, count) -> note.append(table).append(": ").append(count).append(", "));
            note.setLength(note.length() - 2);
            return Optional.of(note.append("). Applying this batch again writes them again.").toString());
        }
    }

    /** {@code rows}: the rows deleted and restored. */
    public record Result(int batch, int users, List<TableChange> changes, DriftChoice choice, Set<String> keptUsers,
                         int overwrittenRows, int dependantsWaiting, long rows, double seconds) {
        public double rowsPerSecond() {
            return rows / Math.max(1e-3, seconds);
        }
    }

    private final Workspace workspace;
    private final Control control;

    public Rollback(Workspace workspace) {
        this.workspace = workspace;
        this.control = workspace.control();
    }

    /** What rolling back the batch would delete and restore, what blocks it, and what drifted. Reads only. */
    public Preview preview(int batchNo) throws SQLException {
        return Transactions.read(workspace.target(), connection -> preview(connection, batchNo, false));
    }

    private Preview preview(Connection connection, int batchNo, boolean lockRows) throws SQLException {
        BatchStore batches = control.batches();
        BatchView batch = batches.queue(connection).rollBack(batchNo).orRefuse().get(0);
        RollbackStore store = control.rollbacks();
        TargetShape stored = workspace.catalog().storedShape();
        List<Long> dependants = store.dependants(connection, batchNo, List.of());
        List<DriftedRow> drifted = new ArrayList<>();
        List<DriftedRow> dependantsDrifted = new ArrayList<>();
        for (Entity entity : reversedEntities()) {
            try (IndexJoins ignored = IndexJoins.on(connection, keysIndexed(connection, entity))) {
                if (lockRows) {
                    store.lockRows(connection, batchNo, dependants, entity, workspace.catalog().shape());
                }
                drifted.addAll(store.drifted(connection, batchNo, List.of(), entity, stored));
                if (!dependants.isEmpty()) {
                    dependantsDrifted.addAll(store.drifted(connection, NO_BATCH, dependants, entity, stored));
                }
            }
        }
        return new Preview(batchNo, batch.state(), batch.usersMigrated(), store.changes(connection, batchNo),
                store.blockers(connection, batchNo, workspace.plan(), workspace.catalog().shape()), drifted,
                store.dependantsByTable(connection, dependants), dependantsDrifted);
    }

    /**
     * Whether a unique index finds the entity's rows by the identity the ledger keys them by, compared in the
     * column's own type (a key cast to another type would not use it), on a table without triggers of its own:
     * then the rollback's joins look each key up.
     */
    boolean keysIndexed(Connection connection, Entity entity) throws SQLException {
        return TargetShape.sameSqlTypes(workspace.catalog().shape(), workspace.catalog().storedShape(), entity, entity.identityColumns())
                && UniqueIndexes.covering(connection, entity.into(), entity.identityColumns()).isPresent()
                // the planner settings hold for every statement of the session, a trigger's too, whose join may need a hash
                && !OwnTriggers.on(connection, entity.into());
    }

    private List<Entity> reversedEntities() {
        List<Entity> reverse = new ArrayList<>(workspace.plan().entities());
        Collections.reverse(reverse);
        return reverse;
    }

    public Result run(int batchNo, DriftChoice choice, ProgressListener progress) throws SQLException {
        long start = System.nanoTime();
        try (PlanLock lock = control.lock("rollback of batch " + batchNo + " by " + Workspace.actor())) {
            long runId = control.runs().start(RunKind.ROLLBACK, batchNo, workspace.plan().checksum(),
                    System.getProperty("user.name", "unknown"), Workspace.host());
            try {
                Result result = Transactions.inTransaction(workspace.target(), connection -> execute(connection, runId, batchNo, choice,
                        progress, start));
                control.runs().finish(runId, RunStatus.DONE, Json.NODES.objectNode().put("batch", batchNo)
                        .put("users", result.users()).put("drift_choice", result.choice().name())
                        .put("dependants_waiting_again", result.dependantsWaiting())
                        .put("kept_users", result.keptUsers().size()).put("overwritten_rows", result.overwrittenRows())
                        .put("seconds", Math.round(result.seconds() * 1000) / 1000.0));
                return result;
            } catch (SQLException | RuntimeException e) {
                control.runs().finish(runId, RunStatus.FAILED, Json.NODES.objectNode().put("error", String.valueOf(e.getMessage())));
                throw e;
            }
        }
    }

    private Result execute(Connection connection, long runId, int batchNo, DriftChoice choice, ProgressListener progress, long start)
            throws SQLException {
        Preview preview = preview(connection, batchNo, true);
        if (!preview.allowed()) {
            StringBuilder why = new StringBuilder("Batch " + batchNo + " cannot be rolled back while other batches depend on it:");
            preview.blockers().forEach((batch, reason) -> why.append("\n- batch ").append(batch).append(": ").append(reason));
            why.append("\nRoll those back first (latest first).");
            throw new RefusedException(why.toString(), List.of("backfill rollback PLAN --batch " + new TreeSet<>(preview.blockers().keySet()).last()));
        }
        Set<String> kept = new LinkedHashSet<>();
        int overwritten = 0;
        RollbackStore store = control.rollbacks();
        if (!preview.drifted().isEmpty() || !preview.dependantsDrifted().isEmpty()) {
            switch (choice) {
                case REFUSE -> throw new RefusedException(driftRefusal(preview), List.of(
                        "backfill rollback PLAN --batch " + batchNo + " --keep-drifted",
                        "backfill rollback PLAN --batch " + batchNo + " --overwrite-drifted"));
                case KEEP_DRIFTED_USERS -> {
                    // only the batch's own users stay; a dependant's user is in another batch
                    preview.drifted().forEach(row -> kept.add(row.user()));
                    // a dependant cannot stay: the row it references goes; its content is saved instead
                    store.saveOverwritten(connection, runId, batchNo, preview.dependantsDrifted());
                    overwritten = preview.dependantsDrifted().size();
                }
                case OVERWRITE_DRIFTED -> {
                    store.saveOverwritten(connection, runId, batchNo, preview.drifted());
                    store.saveOverwritten(connection, runId, batchNo, preview.dependantsDrifted());
                    overwritten = preview.drifted().size() + preview.dependantsDrifted().size();
                }
                default -> throw new IllegalStateException("unknown choice " + choice);
            }
        }
        TargetShape shape = workspace.catalog().shape();
        List<Long> dependants = store.dependants(connection, batchNo, kept);
        List<Entity> reverse = reversedEntities();
        int done = 0;
        long rows = 0;
        // the rows to delete and restore, as the preview counted them (kept users' rows included): the time left goes by rows
        long rowsTotal = preview.changes().stream().mapToLong(c -> (long) c.rowsToDelete() + c.rowsToRestore()).sum()
                + preview.dependants().values().stream().mapToLong(Integer::longValue).sum();
        progress.onProgress(Progress.of("Rolling back batch " + batchNo, Progress.ROWS, 0, rowsTotal, 0, start));
        for (Entity entity : reverse) {
            try (IndexJoins ignored = IndexJoins.on(connection, keysIndexed(connection, entity))) {
                rows += store.deleteInserted(connection, batchNo, dependants, entity, shape, kept);
                rows += store.restoreUpdated(connection, batchNo, entity, shape, kept);
            } catch (SQLException e) {
                if ("23503".equals(e.getSQLState())) {
                    throw new RefusedException("Rolling back batch " + batchNo + " would leave rows pointing at nothing: rows the live app"
                            + " (or another plan) wrote reference " + entity.into() + " rows of this batch (" + e.getMessage().strip()
                            + "). Nothing was rolled back. Delete or re-point those rows first, or leave the batch applied.", List.of());
                }
                throw e;
            }
            done++;
            // the last table's report is the last one: it says every row is done even where kept users' rows stayed
            progress.onProgress(Progress.of("Rolling back batch " + batchNo + ", table " + done + " of " + reverse.size() + " ("
                    + entity.into() + ")", Progress.ROWS, rows, done == reverse.size() ? rows : rowsTotal, rows, start));
        }
        int users = store.finish(connection, runId, batchNo, kept);
        store.returnToWaiting(connection, runId, dependants);
        store.dropPending(connection, batchNo, kept);
        BatchStore batches = control.batches();
        batches.withdrawApproval(connection, batchNo, "batch rolled back (run " + runId + ")");
        batches.transition(connection, batchNo, preview.state(), BatchEvent.ROLL_BACK);
        batches.clearPause(connection, batchNo);
        return new Result(batchNo, users, preview.changes(), choice, kept, overwritten, dependants.size(), rows,
                (System.nanoTime() - start) / 1e9);
    }

    /** The refusal when rows drifted: per table, each row with its key and what changed. */
    public static String driftRefusal(Preview preview) {
        List<DriftedRow> all = preview.allDrifted();
        String whose = preview.dependantsDrifted().isEmpty() ? "of batch " + preview.batch()
                : "of batch " + preview.batch() + " and of other users' rows that reference it";
        StringBuilder why = new StringBuilder(all.size() + " row(s) " + whose
                + " changed in the target since apply (the live app wrote them), for " + preview.driftedUsers().size() + " user(s):");
        describeDrift(all, why);
        why.append("\nRolling back would overwrite them. Choose: keep those users migrated and roll back the others"
                + " (--keep-drifted), or save their current content and overwrite it (--overwrite-drifted; 'backfill export run'"
                + " lists the saved rows).");
        return why.toString();
    }

    /** Drifted rows per table, up to a limit, one line each. */
    public static void describeDrift(List<DriftedRow> drifted, StringBuilder out) {
        String table = null;
        for (DriftedRow row : drifted.stream().limit(DRIFT_LISTED).toList()) {
            if (!row.table().equals(table)) {
                table = row.table();
                out.append("\n  ").append(table).append(':');
            }
            out.append("\n    ").append(row.keyJson()).append(" (user ").append(row.user()).append("): ")
                    .append(row.deleted() ? "deleted" : "changed " + String.join(", ", row.changedColumns()));
        }
        if (drifted.size() > DRIFT_LISTED) {
            out.append("\n  and ").append(drifted.size() - DRIFT_LISTED).append(" more");
        }
    }
}
