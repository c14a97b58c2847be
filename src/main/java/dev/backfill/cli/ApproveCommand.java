package dev.backfill.cli;

import dev.backfill.engine.Approvals;
import dev.backfill.engine.Workspace;
import java.util.Stack;
import picocli.CommandLine;

@CommandLine.Command(name = "approve", mixinStandardHelpOptions = true,
        description = {"Approve the next batch for apply. Records who, when, the plan checksum and each user's reviewed fingerprint.",
                "Only the next batch, unless you explicitly approve the next N."},
        footer = ExitCodes.HELP)
final class ApproveCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--batch", paramLabel = "N", description = "This batch (it must be the next one).")
    Integer batch;

    @CommandLine.Option(names = "--next", paramLabel = "N", arity = "0..1", parameterConsumer = CountOrNothing.class,
            description = "The next batch, or the next N batches.")
    Integer next;

    /** Lets '--next PLAN' mean one batch: only a number right after --next is its count. */
    static final class CountOrNothing implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, CommandLine.Model.ArgSpec argSpec, CommandLine.Model.CommandSpec commandSpec) {
            int count = 1;
            if (!args.isEmpty() && args.peek().matches("\\d+")) {
                count = Integer.parseInt(args.pop());
            }
            argSpec.setValue(count);
        }
    }

    @Override
    protected int execute() throws Exception {
        if ((batch == null) == (next == null)) {
            throw new dev.backfill.errors.InvalidInputException(batch == null ? "Say which batch to approve: --batch N, or --next (the next N with --next N)."
                    : "Give either --batch " + batch + " or --next, not both.");
        }
        try (Workspace workspace = plan.open()) {
            Approvals approvals = new Approvals(workspace);
            String actor = Workspace.actor();
            Approvals.Approved approved = batch != null ? approvals.approve(batch, actor) : approvals.approveNext(next, actor);
            out().printf("Approved batch(es) %s: %d user(s), by %s. Next: 'backfill apply %s --batch %d'.%n",
                    approved.batches(), approved.users(), actor, plan.file, approved.batches().get(0));
            return ExitCodes.OK;
        }
    }
}
