package dev.backfill.cli;

import dev.backfill.control.RollbackStore;
import dev.backfill.engine.ProgressText;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.RefusedException;
import java.util.List;
import picocli.CommandLine;

@CommandLine.Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Roll an applied batch back from its ledger: delete what it inserted and restore what it updated, in one"
                + " transaction. Without --yes it only shows what it would do.",
                "Rows the live app changed or deleted since apply are never overwritten silently: choose --keep-drifted or"
                        + " --overwrite-drifted when there are any."},
        footer = ExitCodes.HELP)
final class RollbackCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--batch", required = true, paramLabel = "N", description = "The batch to roll back.")
    int batch;

    @CommandLine.Option(names = "--yes", description = "Really do it.")
    boolean yes;

    @CommandLine.ArgGroup(exclusive = true)
    Drift drift;

    static final class Drift {
        @CommandLine.Option(names = "--keep-drifted",
                description = "Keep the users whose rows the live app changed migrated, and roll back the others.")
        boolean keep;

        @CommandLine.Option(names = "--overwrite-drifted",
                description = "Save the changed rows' current content (listed by 'export run'), then roll back every user.")
        boolean overwrite;
    }

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            Rollback rollback = new Rollback(workspace);
            Rollback.Preview preview = rollback.preview(batch);
            out().printf("Rolling back batch %d (%s, %d migrated user(s)) would:%n", batch, preview.state(), preview.users());
            int width = preview.changes().stream().mapToInt(change -> change.label(preview.changes()).length()).max().orElse(0);
            for (RollbackStore.TableChange change : preview.changes()) {
                out().printf("  %-" + Math.max(28, width) + "s delete %,d row(s), restore %,d row(s)%n", change.label(preview.changes()),
                        change.rowsToDelete(), change.rowsToRestore());
            }
            if (!preview.allowed()) {
                preview.blockers().forEach((b, reason) -> out().printf("  blocked by batch %d: %s%n", b, reason));
                throw new RefusedException("Batch " + batch + " cannot be rolled back while other batches depend on it; roll those back"
                        + " first (latest first).", List.of("backfill rollback PLAN --batch " + preview.blockers().keySet().stream()
                        .max(Integer::compare).orElseThrow()));
            }
            preview.dependantsNote().ifPresent(note -> out().println("  " + note));
            Rollback.DriftChoice choice = drift == null ? Rollback.DriftChoice.REFUSE
                    : drift.keep ? Rollback.DriftChoice.KEEP_DRIFTED_USERS : Rollback.DriftChoice.OVERWRITE_DRIFTED;
            if (!preview.allDrifted().isEmpty()) {
                StringBuilder drifted = new StringBuilder("Changed by the live app since apply (" + preview.allDrifted().size() + " row(s), "
                        + preview.driftedUsers().size() + " user(s)):");
                Rollback.describeDrift(preview.allDrifted(), drifted);
                out().println(drifted);
                out().println(switch (choice) {
                    case REFUSE -> "Rolling back would overwrite those rows: add --keep-drifted or --overwrite-drifted.";
                    case KEEP_DRIFTED_USERS -> "With --keep-drifted: those users stay migrated; the others are rolled back.";
                    case OVERWRITE_DRIFTED -> "With --overwrite-drifted: their current content is saved ('export run' lists it), then overwritten.";
                });
            }
            if (!yes) {
                out().println("Nothing was changed. Add --yes to roll back.");
                return ExitCodes.OK;
            }
            Rollback.Result result = rollback.run(batch, choice, new ConsoleProgress(err()));
            out().printf("Batch %d rolled back in %.2f s (%s rows, %s): %d user(s) are not migrated any more and can be approved and"
                    + " applied again.%n", batch, result.seconds(), ProgressText.count(result.rows()), ProgressText.rate(result.rowsPerSecond()),
                    result.users());
            if (result.dependantsWaiting() > 0) {
                out().printf("%d row(s) of users in other batches went back to waiting; applying batch %d again writes them again.%n",
                        result.dependantsWaiting(), batch);
            }
            if (!result.keptUsers().isEmpty()) {
                out().printf("Kept migrated (their rows changed in the target): %s%n", String.join(", ", result.keptUsers()));
            }
            if (result.overwrittenRows() > 0) {
                out().printf("Saved and overwrote %d changed row(s); 'backfill export run %s --out run.json' lists their content.%n",
                        result.overwrittenRows(), plan.file);
            }
            return ExitCodes.OK;
        }
    }
}
