package dev.backfill.engine;

import dev.backfill.control.BatchStore;
import dev.backfill.control.Control;
import dev.backfill.db.Transactions;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.errors.RefusedException;
import dev.backfill.lifecycle.BatchQueue;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.UserStatus;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Approving batches: in queue order, one ahead unless the operator explicitly approves the next N;
 * a batch holding users back is approved again on its own; only what was reviewed under the plan as
 * it is now (the queue's rules, {@link BatchQueue}). An approval stores who, when, the plan checksum,
 * and each user's source and target fingerprints as reviewed.
 */
public final class Approvals {
    private static final int USERS_NAMED = 5;

    /** What was approved. */
    public record Approved(List<Integer> batches, int users) {}

    private final Workspace workspace;
    private final Control control;
    private final BatchStore batches;

    public Approvals(Workspace workspace) {
        this.workspace = workspace;
        this.control = workspace.control();
        this.batches = control.batches();
    }

    /** Approves one named batch: the next one in the queue, or one holding users back after its apply. */
    public Approved approve(int number, String actor) throws SQLException {
        return Transactions.inTransaction(workspace.target(), connection -> {
            batches.lockQueue(connection);
            BatchView batch = batches.queue(connection).approve(number).orRefuse().get(0);
            return approveAll(connection, List.of(batch), actor);
        });
    }

    /** Approves the next {@code count} batches awaiting approval. */
    public Approved approveNext(int count, String actor) throws SQLException {
        return Transactions.inTransaction(workspace.target(), connection -> {
            batches.lockQueue(connection);
            return approveAll(connection, batches.queue(connection).approveNext(count).orRefuse(), actor);
        });
    }

    private Approved approveAll(Connection connection, List<BatchView> chosen, String actor) throws SQLException {
        List<Integer> approved = new ArrayList<>();
        int users = 0;
        for (BatchView batch : chosen) {
            users += (int) batches.approve(connection, batch, actor, Workspace.host())[1];
            approved.add(batch.number());
        }
        return new Approved(approved, users);
    }

    /** Forms a batch of named users, placed next in the queue. Returns its number. */
    public int formBatch(List<String> users) throws SQLException {
        if (users.isEmpty()) {
            throw new InvalidInputException("Name at least one user for the new batch (--users ID,ID,...).");
        }
        return Transactions.inTransaction(workspace.target(), connection -> {
            batches.lockQueue(connection);
            BatchQueue queue = batches.queue(connection);
            List<BatchStore.Placement> placements = batches.placements(connection, users);
            for (BatchStore.Placement placement : placements) {
                if (placement.status() == UserStatus.MIGRATED) {
                    throw new RefusedException("User " + placement.user() + " is already migrated (batch " + placement.batch()
                            + "); roll its batch back first to move it.", List.of("backfill rollback PLAN --batch " + placement.batch()));
                }
                if (placement.batchState() == BatchState.APPROVED || placement.batchState() == BatchState.APPLYING) {
                    throw new RefusedException("User " + placement.user() + " is in batch " + placement.batch() + ", which is "
                            + placement.batchState() + "; it cannot move until that batch is applied.", queue.applyHints(placement.batch()));
                }
            }
            List<String> known = placements.stream().map(BatchStore.Placement::user).toList();
            List<String> unknown = users.stream().filter(u -> !known.contains(u)).toList();
            if (!unknown.isEmpty()) {
                throw new InvalidInputException("Not in the latest dry run: " + unknown + ". Dry-run them first.",
                        unknown.stream().limit(USERS_NAMED).map(u -> "backfill dry-run PLAN --user " + u).toList());
            }
            return batches.formCustom(connection, users);
        });
    }
}
