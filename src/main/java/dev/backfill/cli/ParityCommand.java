package dev.backfill.cli;

import dev.backfill.engine.Workspace;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityReport;
import dev.backfill.parity.ParityStatus;
import picocli.CommandLine;

@CommandLine.Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Compare legacy, plan and target: counts and checksums per entity, orphans, duplicates, the plan's checks.",
        footer = ExitCodes.HELP)
final class ParityCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--user", paramLabel = "ID", description = "Only this user, per entity.")
    String user;

    @CommandLine.Option(names = "--count-all", description = "Count every check over the whole target, also those the target's"
            + " constraints guarantee (foreign keys, unique indexes, a check's guaranteed_by): for when they may have been bypassed"
            + " (triggers disabled and enabled again, session_replication_role = replica). Slower.")
    boolean countAll;

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            Parity parity = countAll ? new Parity(workspace).countingGuaranteedChecks() : new Parity(workspace);
            if (user != null) {
                boolean mismatch = false;
                for (Parity.UserEntityParity line : parity.user(user)) {
                    out().printf("%-9s %-20s written %,d, in target %,d%s%n", line.status(), line.entity(), line.writtenRows(),
                            line.targetRows(), line.waitingRows() == 0 ? ""
                                    : String.format(", waiting %,d (for rows of users not migrated yet, or refused by the target:"
                                    + " 'backfill batches %s --batch N')", line.waitingRows(), plan.file));
                    mismatch |= line.status() == ParityStatus.MISMATCH;
                }
                return mismatch ? ExitCodes.FINDINGS : ExitCodes.OK;
            }
            ParityReport report = parity.compute(new ConsoleProgress(err()));
            out().printf("Parity of plan '%s': %s (%,d of %,d users migrated; computed in %.2f s)%n", workspace.plan().name(),
                    report.overall(), report.users().migrated(), report.users().total(), report.seconds());
            // the entity column is as wide as the longest name, so the numbers stay in their columns
            String entityWidth = "%-" + Math.max(20, report.entities().stream().mapToInt(e -> e.entity().length()).max().orElse(0)) + "s";
            out().printf("%-9s " + entityWidth + " %10s %10s %10s %10s %10s %10s%n", "status", "entity", "legacy", "planned", "written",
                    "in target", "waiting", "mismatch");
            for (EntityParity e : report.entities()) {
                out().printf("%-9s " + entityWidth + " %,10d %,10d %,10d %,10d %,10d %,10d%n", e.status(), e.entity(), e.legacyRows(),
                        e.plannedRows(), e.writtenRows(), e.targetRows(), e.waitingRows(), e.usersMismatched());
                if (!e.mismatchedSample().isEmpty()) {
                    out().println("          users with differing rows: " + String.join(", ", e.mismatchedSample()));
                }
            }
            out().println("Checks:");
            for (CheckParity c : report.checks()) {
                out().printf("%-9s %s (%s)%n", c.status(), c.name(), c.detail());
            }
            return report.overall() == ParityStatus.MISMATCH ? ExitCodes.FINDINGS : ExitCodes.OK;
        }
    }
}
