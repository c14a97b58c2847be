package dev.backfill.cli;

import dev.backfill.control.BatchStore;
import dev.backfill.control.BatchView;
import dev.backfill.engine.Workspace;
import java.sql.Connection;
import java.util.List;
import picocli.CommandLine;

@CommandLine.Command(name = "batches", mixinStandardHelpOptions = true,
        description = "Show the batch queue: number, users, rows, findings, state, approval.", footer = ExitCodes.HELP)
final class BatchesCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--all", description = "Also list batches already applied (default: the next 20 and any in progress).")
    boolean all;

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open(); Connection connection = workspace.target().getConnection()) {
            List<BatchView> batches = new BatchStore(workspace.control(), workspace.plan().name()).list(connection);
            if (batches.isEmpty()) {
                out().println("No batches yet: run 'backfill dry-run PLAN' first; it forms them.");
                return ExitCodes.OK;
            }
            out().printf("%6s  %-22s %6s %6s %8s %8s %8s  %s%n", "batch", "state", "users", "done", "failed", "rows", "findings", "approved");
            int shown = 0;
            int hidden = 0;
            for (BatchView b : batches) {
                boolean settled = b.state().name().equals("APPLIED");
                if (!all && (settled || shown >= 20)) {
                    hidden++;
                    continue;
                }
                shown++;
                out().printf("%6d  %-22s %6d %6d %8d %8d %8d  %s%n", b.number(), b.state(), b.users(), b.usersMigrated(),
                        b.usersFailed() + b.usersSourceChanged(), b.plannedRows(), b.findings(),
                        b.approvedBy() == null ? "" : b.approvedBy() + " " + b.approvedAt());
            }
            if (hidden > 0) {
                out().printf("(%d more batch(es) not shown; --all lists every batch)%n", hidden);
            }
            return ExitCodes.OK;
        }
    }
}
