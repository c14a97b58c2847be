package dev.backfill.cli;

import dev.backfill.engine.Apply;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.Decision;
import java.util.List;
import picocli.CommandLine;

@CommandLine.Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Apply an approved batch: each user's rows and their ledger rows in one transaction.",
                "Run it again to resume after a pause, crash or lost connection; nothing is written twice.",
                "Users whose legacy rows or met target rows changed since review are held back, not applied.",
                "Ctrl-C, or 'backfill pause' from another shell, stops after the users being written.",
                "Several connections write chunks of users at once (--writers); 'backfill worker' on other machines joins in."},
        footer = ExitCodes.HELP)
final class ApplyCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @CommandLine.Option(names = "--batch", paramLabel = "N", description = "This batch.")
        Integer batch;

        @CommandLine.Option(names = "--next", description = "The next approved batch (or the one left mid-apply).")
        boolean next;

        @CommandLine.Option(names = "--all", description = "Every approved batch in queue order, one after another; stops after a"
                + " batch that holds users back or is paused.")
        boolean all;
    }

    @CommandLine.Option(names = "--chunk", paramLabel = "USERS", defaultValue = "" + Apply.DEFAULT_CHUNK_USERS,
            description = "Users committed together (default ${DEFAULT-VALUE}); a failing user is isolated and failed alone.")
    int chunk;

    @CommandLine.Option(names = "--throttle-ms", paramLabel = "MS", defaultValue = "0",
            description = "Wait this long between commits, to leave a live database room (default ${DEFAULT-VALUE}).")
    long throttle;

    @CommandLine.Mixin
    WriterOptions writerOptions = new WriterOptions();

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            Apply apply = new Apply(workspace, chunk, throttle, writerOptions.writers(), writerOptions.leaseSeconds);
            Apply.PauseSignal pause = new Apply.PauseSignal();
            ConsoleApplyListener listener = new ConsoleApplyListener(err());
            try (StopOnInterrupt interrupt = new StopOnInterrupt(pause, err(), "Interrupted: pausing after the users being written",
                    "Still writing; exiting anyway. The open transaction rolls back; apply again to resume.")) {
                if (which.all) {
                    return reportAll(apply, apply.applyAll(listener, pause));
                }
                Apply.Result result = which.batch != null ? apply.apply(which.batch, listener, pause) : apply.applyNext(listener, pause);
                return report(result);
            } finally {
                out().flush();
                err().flush();
            }
        }
    }

    private int reportAll(Apply apply, List<Apply.Result> results) throws Exception {
        for (Apply.Result result : results) {
            report(result);
        }
        Apply.Result last = results.get(results.size() - 1);
        long rows = results.stream().mapToLong(Apply.Result::rows).sum();
        double seconds = results.stream().mapToDouble(Apply.Result::seconds).sum();
        out().printf("Applied %d batch(es), %,d rows in %.1f s.", results.size(), rows, seconds);
        if (last.paused()) {
            out().printf(" Stopped: batch %d is paused; 'backfill apply %s --all' resumes it and goes on.%n", last.batch(), plan.file);
        } else if (last.heldBack() > 0) {
            out().printf(" Stopped after batch %d: it held %d user(s) back; look at them before going on.%n", last.batch(), last.heldBack());
        } else {
            Decision next = apply.nextAfterAll();
            out().printf(" No approved batch is left: %s%n", next.allowed() ? "batch " + next.batch().number() + " is next."
                    : next.refusal().replace(" PLAN", " " + plan.file));
            next.hints().stream().findFirst().ifPresent(hint -> out().printf("Next: %s%n", hint.replace(" PLAN", " " + plan.file)));
        }
        // every writer's held-back users and refusals are in the results (not only this process's, which the listener saw)
        return results.stream().anyMatch(Apply.Result::toReview) ? ExitCodes.FINDINGS : ExitCodes.OK;
    }

    private int report(Apply.Result result) {
        if (result.nothingToDo()) {
            out().printf("Batch %d is already applied; nothing to do.%n", result.batch());
            return ExitCodes.OK;
        }
        out().printf("Batch %d: %s. %d user(s) applied, %d failed, %d with changed source, %d with changed target rows;"
                        + " %,d rows in %.1f s (%,.0f rows/s, %d writer(s) here).%n",
                result.batch(), result.paused() ? "paused (apply again to resume)" : result.state().name(), result.applied(),
                result.failed(), result.sourceChanged(), result.targetChanged(), result.rows(), result.seconds(), result.rowsPerSecond(),
                result.writers());
        result.referencesNote().ifPresent(note -> out().println(note.replace(" PLAN", " " + plan.file)));
        if (result.heldBack() > 0) {
            out().println("Held-back users keep their reason ('backfill batches " + plan.file + " --batch " + result.batch() + "' lists"
                    + " them). Users whose source or target rows changed need a new review ('backfill dry-run " + plan.file
                    + " --user ID'); then approve the batch again ('backfill approve " + plan.file + " --batch " + result.batch() + "').");
        }
        return result.toReview() ? ExitCodes.FINDINGS : ExitCodes.OK;
    }
}
