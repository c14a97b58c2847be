package dev.backfill.cli;

import dev.backfill.engine.Approvals;
import dev.backfill.engine.Workspace;
import java.util.List;
import picocli.CommandLine;

@CommandLine.Command(name = "form-batch", mixinStandardHelpOptions = true,
        description = "Form a batch of named users (e.g. one user to try first), placed next in the queue.", footer = ExitCodes.HELP)
final class FormBatchCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--users", required = true, split = ",", paramLabel = "ID", description = "The users, comma separated.")
    List<String> users;

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            int number = new Approvals(workspace).formBatch(users);
            out().printf("Formed batch %d with %d user(s); it is next in the queue. Approve it: 'backfill approve PLAN --batch %d'.%n",
                    number, users.size(), number);
            return ExitCodes.OK;
        }
    }
}
