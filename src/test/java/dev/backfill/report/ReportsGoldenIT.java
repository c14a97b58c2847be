package dev.backfill.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.FindingFilter;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.Json;
import dev.backfill.parity.Parity;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The three JSON reports, whole, against golden files: every field and value, after blanking only
 * what differs from run to run (times, durations, ids, who). To accept a deliberate change:
 * {@code mvn verify -Dit.test=ReportsGoldenIT -Dgolden.update=true}, then read the diff of
 * src/test/resources/golden.
 */
class ReportsGoldenIT {
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
    /** Fields whose values change from run to run; blanked to "~". */
    private static final Set<String> VOLATILE = Set.of("generated_at", "started_at", "finished_at", "approved_at", "revoked_at",
            "at", "saved_at", "seconds", "rows_per_second", "legacy_rows_per_second", "by", "approved_by", "host", "file", "id",
            "run", "run_id", "eta_seconds", "computed_at");

    @Test
    void theConflictParityAndRunReportsAreExactlyTheGoldenOnes() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ReportsGoldenIT.class);
        Path plan = new PartsScenario().create(demo, 14);
        Path out = demo.folder().resolve("reports");
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new ConflictReport(workspace).export(out.resolve("conflicts.json"), FindingFilter.ALL);
            new Approvals(workspace).approve(1, "tester@test");
            // several writers, chunks of 3 users: they commit in an order that varies, the report's order does not
            new Apply(workspace, 3, 0, 3, Apply.DEFAULT_LEASE_SECONDS).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            new ParityExport(workspace).export(out.resolve("parity.json"), new Parity(workspace).compute());
            new Rollback(workspace).run(1, Rollback.DriftChoice.REFUSE, ProgressListener.NONE);
            new RunReport(workspace).export(out.resolve("runs.json"));
        }
        for (String report : new String[] {"conflicts.json", "parity.json", "runs.json"}) {
            JsonNode actual = normalized(Json.parse(Files.readString(out.resolve(report), StandardCharsets.UTF_8)));
            Path golden = GOLDEN.resolve(report);
            String actualText = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n";
            if (Boolean.getBoolean("golden.update")) {
                Files.createDirectories(GOLDEN);
                Files.writeString(golden, actualText, StandardCharsets.UTF_8);
            }
            assertThat(actualText).as("%s (accept a deliberate change with -Dgolden.update=true)", report)
                    .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
        }
    }

    /** The report with run-to-run values blanked, keys in a stable order. */
    private static JsonNode normalized(JsonNode node) {
        if (node instanceof ObjectNode object) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                fields.put(field.getKey(), VOLATILE.contains(field.getKey()) && !field.getValue().isNull()
                        ? Json.NODES.textNode("~") : normalized(field.getValue()));
            }
            ObjectNode sorted = Json.NODES.objectNode();
            fields.forEach(sorted::set);
            return sorted;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = Json.NODES.arrayNode();
            array.forEach(item -> copy.add(normalized(item)));
            return copy;
        }
        return node;
    }
}
