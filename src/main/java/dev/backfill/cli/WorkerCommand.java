package dev.backfill.cli;

import dev.backfill.engine.Apply;
import dev.backfill.engine.Workspace;
import picocli.CommandLine;

@CommandLine.Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Help apply batches from this machine: claim chunks of users of every batch an operator's apply has started,"
                + " alongside it and other workers, and write them with every guarantee of apply.",
                "PostgreSQL coordinates the workers (the plan's control schema): a worker needs only the plan file and the"
                        + " connections the operator has.",
                "A worker killed mid-chunk loses nothing: its open transaction rolls back, and another writer takes its chunk over"
                        + " once its lease runs out.",
                "An operator's pause stops every worker after its chunk; Ctrl-C stops this one after its chunk."},
        footer = ExitCodes.HELP)
final class WorkerCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Mixin
    WriterOptions writerOptions = new WriterOptions();

    @CommandLine.Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "2",
            description = "How often to look for a started batch while there is none (default ${DEFAULT-VALUE}).")
    double pollSeconds;

    @CommandLine.Option(names = "--until-idle", description = "Stop when no started batch has a chunk left to claim, instead of waiting"
            + " for the next one.")
    boolean untilIdle;

    @CommandLine.Option(names = "--throttle-ms", paramLabel = "MS", defaultValue = "0",
            description = "Wait this long between commits, to leave a live database room (default ${DEFAULT-VALUE}).")
    long throttle;

    @Override
    protected int execute() throws Exception {
        if (!(pollSeconds > 0 && pollSeconds <= 3600)) {
            throw new dev.backfill.errors.InvalidInputException("--poll is 0 to 3,600 seconds (more than 0), not " + pollSeconds + ".");
        }
        try (Workspace workspace = plan.open()) {
            // chunk size is the operator's apply's: it cuts the batch
            Apply apply = new Apply(workspace, Apply.DEFAULT_CHUNK_USERS, throttle, writerOptions.writers(), writerOptions.leaseSeconds);
            Apply.PauseSignal stop = new Apply.PauseSignal();
            ConsoleApplyListener listener = new ConsoleApplyListener(err());
            err().printf("Worker on %s with %d writer(s): waiting for batches an operator's apply starts ('backfill apply %s --next')."
                    + " Ctrl-C stops it.%n", Workspace.host(), writerOptions.writers(), plan.file);
            try (StopOnInterrupt interrupt = new StopOnInterrupt(stop, err(), "Interrupted: stopping after the chunks being written",
                    "Still writing; exiting anyway. The open transaction rolls back; another writer takes the chunk over.")) {
                Apply.WorkReport report = apply.work(listener, stop, pollSeconds, untilIdle);
                out().printf("Worker %s helped with %d batch(es): %d user(s) applied, %d held back; %,d rows in %.1f s (%,.0f rows/s).%n",
                        report.worker(), report.batches(), report.applied(), report.heldBack(), report.rows(), report.seconds(),
                        report.rowsPerSecond());
                // held-back users, and warnings (a waiting row this worker released and the target refused)
                return report.heldBack() > 0 || listener.toReview() > 0 ? ExitCodes.FINDINGS : ExitCodes.OK;
            } finally {
                out().flush();
                err().flush();
            }
        }
    }
}
