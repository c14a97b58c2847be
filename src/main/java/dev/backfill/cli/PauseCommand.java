package dev.backfill.cli;

import dev.backfill.control.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.control.BatchView;
import dev.backfill.engine.Workspace;
import java.sql.Connection;
import java.util.Optional;
import picocli.CommandLine;

@CommandLine.Command(name = "pause", mixinStandardHelpOptions = true,
        description = "Ask the running apply (in any process) to stop after the users it is writing. 'apply' again resumes.",
        footer = ExitCodes.HELP)
final class PauseCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open(); Connection connection = workspace.target().getConnection()) {
            BatchStore batches = new BatchStore(workspace.control(), workspace.plan().name());
            Optional<BatchView> applying = batches.list(connection).stream().filter(b -> b.state() == BatchState.APPLYING).findFirst();
            if (applying.isEmpty() || !batches.requestPause(connection, applying.get().number())) {
                throw new IllegalStateException("No batch of plan '" + workspace.plan().name() + "' is being applied; nothing to pause.");
            }
            out().printf("Asked batch %d to pause; it stops after the users it is writing. Resume with 'backfill apply PLAN --batch %d'.%n",
                    applying.get().number(), applying.get().number());
            return ExitCodes.OK;
        }
    }
}
