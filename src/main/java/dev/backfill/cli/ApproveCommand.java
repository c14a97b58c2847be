package dev.backfill.cli;

import dev.backfill.engine.Approvals;
import dev.backfill.engine.Workspace;
import picocli.CommandLine;

@CommandLine.Command(name = "approve", mixinStandardHelpOptions = true,
        description = {"Approve the next batch for apply. Records who, when, the plan checksum and each user's reviewed fingerprint.",
                "Only the next batch, unless you explicitly approve the next N."},
        footer = ExitCodes.HELP)
final class ApproveCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @CommandLine.Option(names = "--batch", paramLabel = "N", description = "This batch (it must be the next one).")
        Integer batch;

        @CommandLine.Option(names = "--next", paramLabel = "N", arity = "0..1", fallbackValue = "1",
                description = "The next batch, or the next N batches.")
        Integer next;
    }

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            Approvals approvals = new Approvals(workspace);
            String actor = Workspace.actor();
            Approvals.Approved approved = which.batch != null ? approvals.approve(which.batch, actor) : approvals.approveNext(which.next, actor);
            out().printf("Approved batch(es) %s: %d user(s), by %s. Next: 'backfill apply PLAN --batch %d'.%n",
                    approved.batches(), approved.users(), actor, approved.batches().get(0));
            return ExitCodes.OK;
        }
    }
}
