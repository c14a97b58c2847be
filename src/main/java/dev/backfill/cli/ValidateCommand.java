package dev.backfill.cli;

import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import picocli.CommandLine;

@CommandLine.Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a plan file without connecting to anything: every error with its line and field.",
        footer = ExitCodes.HELP)
final class ValidateCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @Override
    protected int execute() throws Exception {
        Plan loaded = plan.load();
        out().printf("Plan '%s' is valid (checksum %s).%n", loaded.name(), loaded.shortChecksum());
        out().printf("Source: %s%nTarget: %s (control schema %s)%n", loaded.source().describe(), loaded.target().describe(),
                loaded.controlSchema());
        out().printf("Users per batch: %d; partition: %s%n", loaded.batchUsers(), loaded.partition());
        out().println("Entities, in the order they are written:");
        for (Entity entity : loaded.entities()) {
            out().printf("  %-20s %s -> %s, key (%s)%s%n", entity.name(), entity.from().label(), entity.into(),
                    String.join(", ", entity.key()), entity.shared() ? ", shared (batch 0)" : "");
        }
        loaded.skipped().forEach(s -> out().printf("Skipped on purpose: %s (%s)%n", s.table(), s.reason()));
        out().printf("Checks: %d%n", loaded.checks().size());
        return ExitCodes.OK;
    }
}
