package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.mapping.FindingKind;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The plan's {@code unique:} column sets are checked across users by the dry run, in PostgreSQL:
 * every user after the first (in partition order) that plans a value already planned gets one
 * DUPLICATE_KEY finding; NULLs never collide; a column set counts only as a whole.
 */
class UniqueAcrossUsersIT {

    @Test
    void valuesPlannedForMoreThanOneUserAreReportedOnEveryUserAfterTheFirst() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(UniqueAcrossUsersIT.class);
        String database = demo.database("app");
        demo.recreateDatabase(database);
        try (Connection target = demo.connect(database)) {
            target.createStatement().execute("create table people (id uuid primary key, email text unique, handle text, site text,"
                    + " unique (handle, site))");
        }
        Files.writeString(demo.folder().resolve("people.jsonl"), String.join("\n",
                "{\"_id\": \"p1\", \"userId\": \"u1\", \"email\": \"ada@example.com\", \"handle\": \"ada\", \"site\": \"a\"}",
                "{\"_id\": \"p2\", \"userId\": \"u2\", \"email\": \" ADA@example.com \", \"handle\": \"ada\", \"site\": \"b\"}",
                "{\"_id\": \"p3\", \"userId\": \"u3\", \"email\": \"ben@example.com\", \"handle\": \"ada\", \"site\": \"a\"}",
                "{\"_id\": \"p4\", \"userId\": \"u4\", \"email\": \"ada@example.com\", \"handle\": \"cy\", \"site\": \"a\"}",
                "{\"_id\": \"p5\", \"userId\": \"u5\", \"handle\": \"dee\", \"site\": \"a\"}",
                "{\"_id\": \"p6\", \"userId\": \"u6\", \"handle\": \"eve\", \"site\": \"a\"}") + "\n", StandardCharsets.UTF_8);
        Path plan = demo.folder().resolve("unique.plan.yaml");
        Files.writeString(plan, """
                version: 1
                plan: unique-it
                source: { jsonl: people.jsonl }
                target: %s
                partition: userId
                entities:
                  - name: people
                    from: { document: people }
                    into: people
                    key: [id]
                    id: { from: _id, strategy: derive }
                    unique: [email, [handle, site]]
                    columns:
                      email:  { from: email, trim: true, case: lower }
                      handle: handle
                      site:   site
                """.formatted(demo.embedded(database)), StandardCharsets.UTF_8);

        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            List<String> findings;
            try (Connection connection = workspace.target().getConnection()) {
                findings = workspace.control().findings().list(FindingFilter.ALL).stream()
                        .map(f -> f.user() + " " + f.entity() + " " + f.kind() + " " + f.field() + " " + f.legacyIds())
                        .sorted().collect(Collectors.toList());
            }
            assertThat(findings).containsExactly(
                    "u2 people DUPLICATE_KEY email [p2]",
                    "u3 people DUPLICATE_KEY handle,site [p3]",
                    "u4 people DUPLICATE_KEY email [p4]");
            assertThat(result.findings()).containsExactly(Map.entry(FindingKind.DUPLICATE_KEY, 3));
        }
    }
}
