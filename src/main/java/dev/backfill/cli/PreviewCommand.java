package dev.backfill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.engine.Preview;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.ValueText;
import java.util.List;
import picocli.CommandLine;

@CommandLine.Command(name = "preview", mixinStandardHelpOptions = true,
        description = "Show one user in full: legacy rows and planned rows per entity, findings, and the SQL apply would run.",
        footer = ExitCodes.HELP)
final class PreviewCommand extends BackfillCommand {

    @CommandLine.Mixin
    PlanOption plan = new PlanOption();

    @CommandLine.Option(names = "--user", required = true, paramLabel = "ID", description = "The user (partition value).")
    String user;

    @CommandLine.Option(names = "--sql", description = "Print only the SQL apply would run.")
    boolean sqlOnly;

    @Override
    protected int execute() throws Exception {
        try (Workspace workspace = plan.open()) {
            Preview.Result result = new Preview(workspace).of(user);
            if (sqlOnly) {
                out().print(result.sql());
                return ExitCodes.OK;
            }
            out().printf("User %s (legacy fingerprint %s)%n", result.user(), result.fingerprint());
            for (Preview.EntityPreview entity : result.entities()) {
                out().printf("%n== %s: %d legacy record(s) from %s -> %d planned row(s) in %s%n", entity.entity().name(),
                        entity.legacy().size(), entity.entity().from().label(), entity.planned().size(), entity.entity().into());
                for (JsonNode legacy : entity.legacy()) {
                    out().println("  legacy  " + Json.write(legacy));
                }
                List<String> columns = entity.entity().targetColumns();
                for (PlannedRow row : entity.planned()) {
                    StringBuilder line = new StringBuilder(row.update() ? "  update " : "  planned");
                    for (int i = 0; i < columns.size(); i++) {
                        Object value = row.values().get(i);
                        line.append(' ').append(columns.get(i)).append('=').append(value == null ? "NULL" : ValueText.plain(value));
                    }
                    out().println(line);
                }
            }
            out().printf("%nIds (legacy id -> new id):%n");
            for (Preview.EntityPreview entity : result.entities()) {
                if (entity.entity().id() == null) {
                    continue;
                }
                for (PlannedRow row : entity.planned()) {
                    out().printf("  %-18s %s -> %s%n", entity.entity().name(), row.legacyIdText(),
                            ValueText.plain(row.value(entity.entity().id().column())));
                }
            }
            out().printf("%nFindings: %d%n", result.findings().size());
            for (Finding finding : result.findings()) {
                out().printf("  %-19s %s.%s: %s%n", finding.kind(), finding.entity(), finding.field(), finding.message());
            }
            if (result.crossUserRows() > 0) {
                out().printf("%nReferences to other users' rows: %d row(s) reference rows of %d other user(s); at apply each waits"
                        + " (kept in the control schema) until the row it references is in the target, and is written then.%n",
                        result.crossUserRows(), result.referencedUsers());
            }
            out().printf("%nSQL apply would run:%n%s", result.sql());
            return ExitCodes.OK;
        }
    }
}
