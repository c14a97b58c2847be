package dev.backfill.engine;

import dev.backfill.control.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.control.BatchView;
import dev.backfill.control.RunStore;
import dev.backfill.db.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Approving batches: in queue order, one ahead unless the operator explicitly approves the next N.
 * An approval stores who, when, the plan checksum, and each user's legacy fingerprint as reviewed.
 */
public final class Approvals {

    /** What was approved. */
    public record Approved(List<Integer> batches, int users) {}

    private final Workspace workspace;
    private final BatchStore batches;

    public Approvals(Workspace workspace) {
        this.workspace = workspace;
        this.batches = new BatchStore(workspace.control(), workspace.plan().name());
    }

    /** Approves one named batch, which must be the next one in the queue. */
    public Approved approve(int number, String actor) throws SQLException {
        return Transactions.inTransaction(workspace.target(), connection -> {
            batches.lockQueue(connection);
            requireReviewedPlan(connection);
            List<BatchView> queue = batches.list(connection);
            BatchView batch = queue.stream().filter(b -> b.number() == number).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("Plan '" + workspace.plan().name() + "' has no batch " + number
                            + ". 'backfill batches PLAN' lists them."));
            requireReviewedUsers(connection, number);
            if (batch.state() == BatchState.APPROVED) {
                throw new IllegalStateException("Batch " + number + " is already approved (by " + batch.approvedBy() + " at "
                        + batch.approvedAt() + "). Apply it: 'backfill apply PLAN --batch " + number + "'.");
            }
            requireAwaitingApproval(batch);
            if (batch.state() == BatchState.APPLIED_WITH_FAILURES) {
                // users held back after an apply are re-approved on their own, whatever comes next in the queue
                batches.approve(connection, number, actor, Workspace.host(), workspace.plan().checksum());
                return new Approved(List.of(number), batch.usersPending());
            }
            Optional<BatchView> ahead = queue.stream().filter(b -> b.state() == BatchState.APPROVED).findFirst();
            if (ahead.isPresent()) {
                throw new IllegalStateException("Batch " + ahead.get().number() + " is approved and not applied yet. Apply it first,"
                        + " or approve several batches at once with '--next N'.");
            }
            BatchView next = candidates(queue).get(0);
            if (next.number() != number) {
                throw new IllegalStateException("Batch " + number + " is not next: batches are approved in order, and the next is batch "
                        + next.number() + ". To try some users first, form a batch of them ('backfill form-batch PLAN --users ...').");
            }
            batches.approve(connection, number, actor, Workspace.host(), workspace.plan().checksum());
            return new Approved(List.of(number), batch.usersPending());
        });
    }

    /** Approves the next {@code count} batches awaiting approval. */
    public Approved approveNext(int count, String actor) throws SQLException {
        if (count < 1) {
            throw new IllegalArgumentException("approve at least 1 batch, not " + count);
        }
        return Transactions.inTransaction(workspace.target(), connection -> {
            batches.lockQueue(connection);
            requireReviewedPlan(connection);
            List<BatchView> queue = batches.list(connection);
            Optional<BatchView> ahead = queue.stream().filter(b -> b.state() == BatchState.APPROVED).findFirst();
            if (count == 1 && ahead.isPresent()) {
                throw new IllegalStateException("Batch " + ahead.get().number() + " is approved and not applied yet. Apply it first,"
                        + " or approve several batches ahead on purpose with '--next N' (N > 1).");
            }
            List<BatchView> next = candidates(queue);
            if (next.isEmpty()) {
                Optional<BatchView> heldBack = queue.stream().filter(b -> b.state() == BatchState.APPLIED_WITH_FAILURES).findFirst();
                throw new IllegalStateException(heldBack.map(b -> "No new batch awaits approval. Batch " + b.number() + " holds "
                        + b.usersPending() + " user(s) held back after its apply; once they are fixed and dry-run again, approve it with"
                        + " --batch " + b.number() + ".").orElse("No batch awaits approval: every batch is approved, applying or applied."
                        + " 'backfill batches PLAN' shows the queue."));
            }
            List<Integer> approved = new ArrayList<>();
            int users = 0;
            for (BatchView batch : next.subList(0, Math.min(count, next.size()))) {
                requireReviewedUsers(connection, batch.number());
                batches.approve(connection, batch.number(), actor, Workspace.host(), workspace.plan().checksum());
                approved.add(batch.number());
                users += batch.usersPending();
            }
            return new Approved(approved, users);
        });
    }

    /** Forms a batch of named users, placed next in the queue. Returns its number. */
    public int formBatch(List<String> users) throws SQLException {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("name at least one user for the new batch");
        }
        return Transactions.inTransaction(workspace.target(), connection -> {
            batches.lockQueue(connection);
            String sql = "select u.user_key, u.status, b.state from " + workspace.control().table("users") + " u left join "
                    + workspace.control().table("batches") + " b on b.plan = u.plan and b.batch_no = u.batch_no"
                    + " where u.plan = ? and u.user_key = any(?)";
            List<String> known = new ArrayList<>();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, workspace.plan().name());
                statement.setArray(2, connection.createArrayOf("text", users.toArray()));
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        String user = rows.getString(1);
                        known.add(user);
                        if ("migrated".equals(rows.getString(2))) {
                            throw new IllegalStateException("User " + user + " is already migrated; roll back its batch first to move it.");
                        }
                        String state = rows.getString(3);
                        if ("APPROVED".equals(state) || "APPLYING".equals(state)) {
                            throw new IllegalStateException("User " + user + " is in a batch that is " + state.toLowerCase()
                                    + "; it cannot move now.");
                        }
                    }
                }
            }
            List<String> unknown = users.stream().filter(u -> !known.contains(u)).toList();
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("Not in the latest dry run: " + unknown + ". Dry-run them first ('backfill dry-run PLAN --user ID').");
            }
            return batches.formCustom(connection, users);
        });
    }

    /** The queue's next batches: planned or rolled back ones (a batch with held-back users is approved on its own). */
    private static List<BatchView> candidates(List<BatchView> queue) {
        return queue.stream().filter(b -> (b.state() == BatchState.PLANNED || b.state() == BatchState.ROLLED_BACK)
                && b.usersPending() > 0).toList();
    }

    /** Every user to approve was last reviewed by a dry run of this very plan, not of an earlier version of it. */
    private void requireReviewedUsers(Connection connection, int number) throws SQLException {
        String sql = "select count(*) from " + workspace.control().table("users") + " u join " + workspace.control().table("runs")
                + " r on r.run_id = u.dry_run_id where u.plan = ? and u.batch_no = ? and u.status <> 'migrated' and r.plan_checksum <> ?";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, workspace.plan().name());
            statement.setInt(2, number);
            statement.setString(3, workspace.plan().checksum());
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                if (rows.getLong(1) > 0) {
                    throw new IllegalStateException(rows.getLong(1) + " user(s) of batch " + number + " were reviewed under an earlier"
                            + " version of the plan file. Run the dry run again (all users) so what you approve is what was reviewed.");
                }
            }
        }
    }

    private static void requireAwaitingApproval(BatchView batch) {
        if (!batch.state().awaitsApproval() || batch.usersPending() == 0) {
            throw new IllegalStateException("Batch " + batch.number() + " is " + batch.state() + (batch.usersPending() == 0
                    ? " with every user migrated" : "") + "; there is nothing to approve.");
        }
    }

    private void requireReviewedPlan(Connection connection) throws SQLException {
        Optional<RunStore.Run> dryRun = new RunStore(workspace.control(), workspace.plan().name()).latest(connection, "dry_run", "done");
        if (dryRun.isEmpty()) {
            throw new IllegalStateException("Plan '" + workspace.plan().name() + "' has no finished dry run: review one before approving.");
        }
        if (!dryRun.get().planChecksum().equals(workspace.plan().checksum())) {
            throw new IllegalStateException("The plan file changed since the last dry run (reviewed " + dryRun.get().planChecksum().substring(0, 12)
                    + ", now " + workspace.plan().shortChecksum() + "). Run the dry run again, so what you approve is what was reviewed.");
        }
    }
}
