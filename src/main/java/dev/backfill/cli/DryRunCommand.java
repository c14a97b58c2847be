package dev.backfill.cli;

import dev.backfill.db.UnindexedForeignKey;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.InvalidInputException;
import java.util.Locale;
import picocli.CommandLine;

@CommandLine.Command(name = "dry-run", mixinStandardHelpOptions = true,
        description = {"Map every user (or one) and store the results and findings in the control schema.",
                "Writes nothing to the target tables or the source. Forms the batches."},
        footer = ExitCodes.HELP)
final class DryRunCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--user", paramLabel = "ID", description = "Only this user (e.g. to re-review after a source change).")
    String user;

    @CommandLine.Option(names = "--chunk", paramLabel = "USERS", defaultValue = "" + DryRun.DEFAULT_CHUNK_USERS,
            description = "Users read and mapped together (default ${DEFAULT-VALUE}); memory grows with it.")
    int chunk;

    @CommandLine.Option(names = "--batches-by", paramLabel = "ORDER", defaultValue = "partition",
            converter = BatchOrderConverter.class,
            description = "How new batches are formed: 'partition' (partition order, the default) or 'references' (users whose"
                    + " rows reference each other most go together, so fewer rows wait for another batch).")
    DryRun.BatchOrder batchesBy;

    static final class BatchOrderConverter implements CommandLine.ITypeConverter<DryRun.BatchOrder> {
        @Override
        public DryRun.BatchOrder convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "partition" -> DryRun.BatchOrder.PARTITION;
                case "references" -> DryRun.BatchOrder.REFERENCES;
                default -> throw new CommandLine.TypeConversionException("'" + value + "' is not a batch order; use partition or references");
            };
        }
    }

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            if (user != null && batchesBy != DryRun.BatchOrder.PARTITION) {
                throw new InvalidInputException("--batches-by forms batches, which only a dry run of every user does; drop --user, or"
                        + " drop --batches-by.");
            }
            DryRun.Options options = user == null ? new DryRun.Options(null, chunk, batchesBy) : DryRun.Options.single(user);
            DryRun.Result result = new DryRun(workspace).run(options, new ConsoleProgress(err()), new Cancellation());
            out().printf("Dry run %d of plan '%s': %,d users, %,d legacy rows -> %,d planned rows in %.1f s (%,.0f legacy rows/s).%n",
                    result.runId(), workspace.plan().name(), result.users(), result.legacyRows(), result.plannedRows(),
                    result.seconds(), result.legacyRowsPerSecond());
            if (result.findings().isEmpty()) {
                out().println("No findings.");
            } else {
                out().printf("%,d findings:%n", result.findingCount());
                result.findings().forEach((kind, count) -> out().printf("  %-20s %,d%n", kind, count));
                if (!result.fieldsNotFound().isEmpty()) {
                    out().println("Fields the plan reads that no legacy record has (NULL for every user):");
                    result.fieldsNotFound().forEach(f -> out().printf("  %s: %s%n", f.entity(), f.message()));
                }
                out().println("Review them: 'backfill export conflicts PLAN --out conflicts.json' or 'backfill preview PLAN --user ID'.");
            }
            // advice, not a finding: no user is held back by it, so the exit code stays what the findings say
            if (!result.unindexedForeignKeys().isEmpty()) {
                out().println(UnindexedForeignKey.heading(result.unindexedForeignKeys().size()));
                result.unindexedForeignKeys().forEach(key -> out().printf("  %s%n", key.message()));
            }
            workspace.plan().skipped().forEach(skip -> out().printf("Not migrated, on purpose: %s (%s)%n", skip.table(), skip.reason()));
            out().println("Nothing was written to the target tables. Next: 'backfill batches PLAN', then approve the first batch.");
            return result.findings().isEmpty() ? ExitCodes.OK : ExitCodes.FINDINGS;
        }
    }
}
