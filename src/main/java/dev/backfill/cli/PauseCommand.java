package dev.backfill.cli;

import dev.backfill.engine.Pause;
import dev.backfill.engine.Workspace;
import picocli.CommandLine;

@CommandLine.Command(name = "pause", mixinStandardHelpOptions = true,
        description = "Ask the running apply (in any process) to stop after the users it is writing. 'apply' again resumes.",
        footer = ExitCodes.HELP)
final class PauseCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            int batch = new Pause(workspace).request();
            out().printf("Asked batch %d to pause; it stops after the users it is writing. Resume with 'backfill apply %s --batch %d'.%n",
                    batch, plan.file, batch);
            return ExitCodes.OK;
        }
    }
}
