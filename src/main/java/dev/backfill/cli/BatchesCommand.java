package dev.backfill.cli;

import dev.backfill.control.PendingStore;
import dev.backfill.control.UserView;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.lifecycle.BatchQueue;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.UserStatus;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

@CommandLine.Command(name = "batches", mixinStandardHelpOptions = true,
        description = {"Show the batch queue: number, state, users, rows, rows waiting for other users' rows, findings and"
                + " approval, and what to do next.",
                "With --batch N, the users of one batch with their status, their rows that reference other users' rows and,"
                        + " for users held back, the reason."},
        footer = ExitCodes.HELP)
final class BatchesCommand extends BackfillCommand {
    private static final int SHOWN = 20;

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--all", description = "Also list batches already applied (default: the next 20 and any in progress).")
    boolean all;

    @CommandLine.Option(names = "--batch", paramLabel = "N", description = "List the users of this batch.")
    Integer batch;

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            BatchQueue queue = workspace.control().queue();
            if (batch != null) {
                return listUsers(workspace, queue);
            }
            if (queue.batches().isEmpty()) {
                out().printf("No batches yet: run 'backfill dry-run %s' first; it forms them.%n", plan.file);
                return ExitCodes.OK;
            }
            Map<String, Long> waiting = workspace.control().waitingByBatch();
            out().printf("%6s  %-12s %6s %6s %9s %9s %8s %8s  %s%n", "batch", "state", "users", "done", "held back", "rows", "waiting",
                    "findings", "approved");
            int shown = 0;
            int hidden = 0;
            for (BatchView b : queue.batches()) {
                if (!all && (b.state() == BatchState.APPLIED || shown >= SHOWN)) {
                    hidden++;
                    continue;
                }
                shown++;
                out().printf("%6d  %-12s %6d %6d %9d %9d %8d %8d  %s%n", b.number(), b.state(), b.users(), b.usersMigrated(),
                        b.usersHeldBack(), b.plannedRows(), waiting.getOrDefault(String.valueOf(b.number()), 0L), b.findings(),
                        approval(b));
            }
            if (hidden > 0) {
                out().printf("(%d more batch(es) not shown; --all lists every batch)%n", hidden);
            }
            if (waiting.values().stream().anyMatch(n -> n > 0)) {
                out().println("waiting: rows of migrated users that reference rows of users not migrated yet; each is written by the"
                        + " apply that writes the row it references (a row the target refused then still waits; '--batch N' says"
                        + " why).");
            }
            out().println(next(queue));
            return ExitCodes.OK;
        }
    }

    /** What the user's rows that reference other users' rows do: wait now, or will wait at apply. */
    private static String references(UserView user, long waitingNow) {
        if (waitingNow > 0) {
            return String.format("  %,d waiting for other users' rows", waitingNow);
        }
        if (user.status() != UserStatus.MIGRATED && user.crossUserRows() > 0) {
            return String.format("  %,d reference rows of %,d other user(s)", user.crossUserRows(), user.referencedUsers());
        }
        return "";
    }

    private static String approval(BatchView batch) {
        return switch (batch.approval()) {
            case NONE -> "";
            case VALID -> batch.approvedBy() + " " + batch.approvedAt();
            case PLAN_CHANGED -> batch.approvedBy() + " " + batch.approvedAt() + " (under another version of the plan file)";
        };
    }

    private String next(BatchQueue queue) {
        if (queue.everythingApplied()) {
            return "Every batch is applied. Next: 'backfill parity " + plan.file + "'.";
        }
        return queue.nextToApply().map(b -> "Next: 'backfill apply " + plan.file + " --batch " + b.number() + "'.")
                .or(() -> queue.nextToApprove().map(b -> "Next: 'backfill approve " + plan.file + " --next' (batch " + b.number() + ")."))
                .orElse("No batch awaits approval; held-back users are listed with '--batch N'.");
    }

    private int listUsers(Workspace workspace, BatchQueue queue) throws Exception {
        BatchView shown = queue.get(batch).orElseThrow(() -> new InvalidInputException("Plan '"
                + workspace.plan().name() + "' has no batch " + batch + ".", List.of("backfill batches PLAN --all")));
        out().printf("Batch %d: %s (%s), %d user(s), %d migrated, %d held back.%n", shown.number(), shown.state(),
                shown.state().meaning(), shown.users(), shown.usersMigrated(), shown.usersHeldBack());
        Map<String, Long> waiting = workspace.control().waitingByUser(batch);
        for (UserView user : workspace.control().users().ofBatch(batch)) {
            out().printf("  %-40s %-15s %6d row(s)%s%s%n", user.user(), user.status().sql(), user.plannedRows(),
                    references(user, waiting.getOrDefault(user.user(), 0L)), user.lastError() == null ? "" : "  " + user.lastError());
        }
        List<PendingStore.Refused> refused = workspace.control().refusedOfBatch(batch);
        if (!refused.isEmpty()) {
            out().printf("%d waiting row(s) of these users were refused by the target when the rows they wait for were written;"
                    + " they still wait. To write them: make the target take them (remove the rows holding their keys, or change"
                    + " the constraint or trigger that refuses them), then roll back batch %d, approve it again and apply it.%n", refused.size(), batch);
            for (PendingStore.Refused row : refused) {
                out().printf("  %s %s %s (%s): %s%n", row.user(), row.entity(), row.keyJson(), row.at(), row.message());
            }
        }
        return ExitCodes.OK;
    }
}
