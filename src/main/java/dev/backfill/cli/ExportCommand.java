package dev.backfill.cli;

import dev.backfill.control.FindingFilter;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.FindingKind;
import dev.backfill.report.ConflictReport;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

@CommandLine.Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a report as JSON (formats in src/site/markdown/reports.md).",
        subcommands = {ExportCommand.Conflicts.class, ExportCommand.ParityReportCommand.class, ExportCommand.Runs.class},
        footer = ExitCodes.HELP)
final class ExportCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Say which report: conflicts, parity or run");
    }

    @CommandLine.Command(name = "conflicts", mixinStandardHelpOptions = true,
            description = "The findings of the latest dry run, all or filtered, with counts by kind and entity.",
            footer = ExitCodes.HELP)
    static final class Conflicts extends BackfillCommand {
        @CommandLine.Mixin
        PlanOption plan = new PlanOption();

        @CommandLine.Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the JSON.")
        Path out;

        @CommandLine.Option(names = "--kind", paramLabel = "KIND", split = ",",
                description = "Only these kinds: ${COMPLETION-CANDIDATES}.")
        List<FindingKind> kinds = List.of();

        @CommandLine.Option(names = "--entity", paramLabel = "NAME", split = ",", description = "Only these entities.")
        List<String> entities = List.of();

        @CommandLine.Option(names = "--field", paramLabel = "FIELD", description = "Only this field.")
        String field;

        @CommandLine.Option(names = "--user", paramLabel = "ID", description = "Only this user.")
        String user;

        @Override
        protected int execute() throws Exception {
            try (Workspace workspace = plan.open()) {
                Set<FindingKind> kindSet = kinds.isEmpty() ? Set.of() : new LinkedHashSet<>(kinds);
                ConflictReport.Written written = new ConflictReport(workspace)
                        .export(out, new FindingFilter(kindSet, new LinkedHashSet<>(entities), field, user));
                out().printf("Wrote %,d finding(s) to %s%n", written.findings(), written.file());
                written.byKind().forEach((kind, count) -> out().printf("  %-20s %,d%n", kind, count));
                return ExitCodes.OK;
            }
        }
    }

    @CommandLine.Command(name = "parity", mixinStandardHelpOptions = true,
            description = "Parity now: per entity counts and checksums, orphans, duplicates, the plan's checks.", footer = ExitCodes.HELP)
    static final class ParityReportCommand extends BackfillCommand {
        @CommandLine.Mixin
        PlanOption plan = new PlanOption();

        @CommandLine.Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the JSON.")
        Path out;

        @Override
        protected int execute() throws Exception {
            try (Workspace workspace = plan.open()) {
                dev.backfill.parity.ParityReport parity = new dev.backfill.parity.Parity(workspace).compute();
                Path file = new dev.backfill.report.ParityExport(workspace).export(out, parity);
                out().printf("Wrote parity (%s) to %s%n", parity.overall(), file);
                return ExitCodes.OK;
            }
        }
    }

    @CommandLine.Command(name = "run", mixinStandardHelpOptions = true,
            description = "Batches, approvals (who, when), runs with timings, and every user's outcome.", footer = ExitCodes.HELP)
    static final class Runs extends BackfillCommand {
        @CommandLine.Mixin
        PlanOption plan = new PlanOption();

        @CommandLine.Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the JSON.")
        Path out;

        @Override
        protected int execute() throws Exception {
            try (Workspace workspace = plan.open()) {
                Path file = new dev.backfill.report.RunReport(workspace).export(out);
                out().printf("Wrote the run report to %s%n", file);
                return ExitCodes.OK;
            }
        }
    }
}
