package dev.backfill.cli;

import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import picocli.CommandLine;

@CommandLine.Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Roll an applied batch back from its ledger: delete what it inserted, restore what it updated,",
                "in one transaction. Without --yes it only shows what it would do."},
        footer = ExitCodes.HELP)
final class RollbackCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--batch", required = true, paramLabel = "N", description = "The batch to roll back.")
    int batch;

    @CommandLine.Option(names = "--yes", description = "Really do it.")
    boolean yes;

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            Rollback rollback = new Rollback(workspace);
            Rollback.Plan preview = rollback.preview(batch);
            out().printf("Rolling back batch %d (%s, %d migrated user(s)) would:%n", batch, preview.state(), preview.users());
            for (Rollback.TableChange change : preview.changes()) {
                out().printf("  %-28s delete %,d row(s), restore %,d row(s)%n", change.table(), change.rowsToDelete(), change.rowsToRestore());
            }
            if (!preview.allowed()) {
                preview.blockers().forEach((b, reason) -> out().printf("  blocked by batch %d: %s%n", b, reason));
                throw new IllegalStateException("Batch " + batch + " cannot be rolled back while later batches depend on it; roll those back first.");
            }
            if (!yes) {
                out().println("Nothing was changed. Add --yes to roll back.");
                return ExitCodes.OK;
            }
            Rollback.Result result = rollback.run(batch, ProgressListener.NONE);
            out().printf("Batch %d rolled back in %.2f s: %d user(s) are not migrated any more and can be approved and applied again.%n",
                    batch, result.seconds(), result.users());
            if (result.missingRows() > 0) {
                out().printf("Note: %d row(s) the ledger recorded were already gone from the target.%n", result.missingRows());
            }
            return ExitCodes.OK;
        }
    }
}
