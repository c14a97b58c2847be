package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.cli.ExitCodes;
import dev.backfill.db.Secrets;
import dev.backfill.db.UnindexedForeignKey;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.Json;
import dev.backfill.plan.PlanLoader;
import dev.backfill.report.RunReport;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dry run names every foreign key into the plan's tables that no index serves (rollback would
 * check it with a full scan of the referencing table per deleted row), with the statement that fixes
 * it; the statement, run, makes the advice go away.
 */
class ForeignKeyIndexAdviceIT {

    @Test
    void thePartsDemoWithoutItsPartBIndexIsToldToCreateItAndWithItIsToldNothing() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ForeignKeyIndexAdviceIT.class);
        Path planFile = new PartsScenario().create(demo, 5);
        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()));
             Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            DryRun.Result indexed = dryRun(workspace);
            assertThat(indexed.unindexedForeignKeys()).isEmpty();

            execute(target, "drop index part_relationships_v2_part_b");
            DryRun.Result unindexed = dryRun(workspace);

            assertThat(unindexed.unindexedForeignKeys()).singleElement().satisfies(key -> {
                assertThat(key.constraint()).isEqualTo("part_relationships_v2_part_b_id_fkey");
                assertThat(key.table()).isEqualTo("public.part_relationships_v2");
                assertThat(key.columns()).containsExactly("part_b_id");
                assertThat(key.referencedTable()).isEqualTo("public.parts_v2");
                assertThat(key.statement()).isEqualTo("CREATE INDEX CONCURRENTLY ON public.part_relationships_v2 (part_b_id);");
                assertThat(key.message()).isEqualTo("foreign key part_relationships_v2_part_b_id_fkey of public.part_relationships_v2"
                        + " (part_b_id) referencing public.parts_v2 has no index starting with its column: rollback (and the live app's"
                        + " deletes) check this foreign key with a full scan of public.part_relationships_v2 per deleted row;"
                        + " create the index before applying: CREATE INDEX CONCURRENTLY ON public.part_relationships_v2 (part_b_id);");
            });
            // advice, not findings: the review is the same with or without the index
            assertThat(unindexed.findings()).isEqualTo(indexed.findings());

            execute(target, unindexed.unindexedForeignKeys().get(0).statement());
            assertThat(dryRun(workspace).unindexedForeignKeys()).isEmpty();
        }
    }

    /**
     * Foreign keys from the live app's tables (which the plan does not write) count as much as the
     * plan's own: a multi-column key is served only by an index whose leading columns are exactly its
     * columns (in any order); partial indexes, INCLUDE columns and columns further right do not serve.
     */
    @Test
    void everyForeignKeyIntoThePlansTablesIsJudgedByTheIndexesPostgresCanUseForIt() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ForeignKeyIndexAdviceIT.class);
        String database = demo.database("app");
        demo.recreateDatabase(database);
        try (Connection target = demo.connect(database)) {
            execute(target, """
                    create table owners (id uuid primary key, region text not null, code text not null,
                        sponsor_id uuid references owners, unique (region, code));
                    create schema live;
                    create table live.notes (id bigint primary key, owner_id uuid not null references owners);
                    create table live.tags (id bigint primary key, region text, code text,
                        foreign key (region, code) references owners (region, code));
                    create index on live.tags (code, region, id);
                    create table live.links (id bigint primary key, region text, code text,
                        constraint links_owner foreign key (region, code) references owners (region, code));
                    create index on live.links (region);
                    create index on live.links (region, id, code);
                    create table live.flags (id bigint primary key, owner_id uuid references owners);
                    create index on live.flags (owner_id) where owner_id is not null;
                    create index on live.flags (id) include (owner_id);
                    create table live.hashed (id bigint primary key, owner_id uuid references owners);
                    create index on live.hashed using hash (owner_id);
                    create table live."App Events" (id bigint primary key, "ownerId" uuid references owners);
                    create table live.visits (owner_id uuid references owners, at date not null) partition by range (at);
                    create table live.visits_2026 partition of live.visits for values from ('2026-01-01') to ('2027-01-01');
                    create table live.other (id bigint primary key);
                    create table live.other_refs (id bigint primary key, other_id bigint references live.other);
                    """);
        }
        Files.writeString(demo.folder().resolve("owners.jsonl"), String.join("\n",
                "{\"_id\": \"o1\", \"userId\": \"u1\", \"region\": \"eu\", \"code\": \"a\"}",
                "{\"_id\": \"o2\", \"userId\": \"u2\", \"region\": \"us\", \"code\": \"b\"}") + "\n", StandardCharsets.UTF_8);
        Path plan = demo.folder().resolve("owners.plan.yaml");
        Files.writeString(plan, """
                version: 1
                plan: fk-index-it
                source: { jsonl: owners.jsonl }
                target: %s
                partition: userId
                entities:
                  - name: owners
                    from: { document: owners }
                    into: owners
                    key: [id]
                    id: { from: _id, strategy: derive }
                    columns:
                      region: region
                      code:   code
                """.formatted(demo.embedded(database)), StandardCharsets.UTF_8);
        List<String> expected = List.of(
                "live.\"App Events\" (ownerId) App Events_ownerId_fkey: CREATE INDEX CONCURRENTLY ON live.\"App Events\" (\"ownerId\");",
                "live.flags (owner_id) flags_owner_id_fkey: CREATE INDEX CONCURRENTLY ON live.flags (owner_id);",
                "live.links (region, code) links_owner: CREATE INDEX CONCURRENTLY ON live.links (region, code);",
                "live.notes (owner_id) notes_owner_id_fkey: CREATE INDEX CONCURRENTLY ON live.notes (owner_id);",
                "live.visits (owner_id) visits_owner_id_fkey: CREATE INDEX ON live.visits (owner_id);",
                "public.owners (sponsor_id) owners_sponsor_id_fkey: CREATE INDEX CONCURRENTLY ON public.owners (sponsor_id);");

        // the command line prints each with its statement, and no finding means exit 0 still
        InProcessCli.Result cli = InProcessCli.run("dry-run", plan.toString());
        assertThat(cli.exit()).as(cli.printed()).isEqualTo(ExitCodes.OK);
        assertThat(cli.out()).contains("No findings.\n6 foreign keys into the plan's tables have no index on the referencing columns;"
                + " rollback will be slow until they have:\n  foreign key ");
        assertThat(cli.out()).contains("\n  foreign key links_owner of live.links (region, code) referencing public.owners"
                + " has no index starting with its columns: rollback (and the live app's deletes) check this foreign key with a full"
                + " scan of live.links per deleted row; create the index before applying: CREATE INDEX CONCURRENTLY ON live.links"
                + " (region, code);\n");
        assertThat(cli.out()).contains("create the index before applying: CREATE INDEX ON live.visits (owner_id); (live.visits is"
                + " partitioned, which PostgreSQL cannot index CONCURRENTLY");

        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection target = demo.connect(database)) {
            DryRun.Result result = dryRun(workspace);
            assertThat(result.unindexedForeignKeys()).extracting(ForeignKeyIndexAdviceIT::describe)
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertThat(result.unindexedForeignKeys()).filteredOn(UnindexedForeignKey::partitioned)
                    .extracting(UnindexedForeignKey::table).containsExactly("live.visits");
            assertThat(result.unindexedForeignKeys()).allSatisfy(key -> assertThat(key.referencedTable()).isEqualTo("public.owners"));

            // the run report carries them in the dry run's detail
            Path report = new RunReport(workspace).export(demo.folder().resolve("runs.json"));
            JsonNode runs = Json.parse(Files.readString(report, StandardCharsets.UTF_8)).get("runs");
            JsonNode advice = runs.get(runs.size() - 1).get("detail").get("unindexed_foreign_keys");
            List<String> reported = new ArrayList<>();
            advice.forEach(entry -> {
                List<String> columns = new ArrayList<>();
                entry.get("columns").forEach(c -> columns.add(c.asText()));
                assertThat(entry.get("referenced_table").asText()).isEqualTo("public.owners");
                reported.add(entry.get("table").asText() + " (" + String.join(", ", columns) + ") " + entry.get("constraint").asText()
                        + ": " + entry.get("statement").asText());
            });
            assertThat(reported).containsExactlyInAnyOrderElementsOf(expected);

            // each statement as given runs, outside a transaction, and serves its foreign key
            for (UnindexedForeignKey key : result.unindexedForeignKeys()) {
                execute(target, key.statement());
            }
            assertThat(dryRun(workspace).unindexedForeignKeys()).isEmpty();
        }
        assertThat(InProcessCli.run("dry-run", plan.toString()).out()).doesNotContain("foreign key");
    }

    private static String describe(UnindexedForeignKey key) {
        return key.table() + " (" + String.join(", ", key.columns()) + ") " + key.constraint() + ": " + key.statement();
    }

    private static DryRun.Result dryRun(Workspace workspace) throws Exception {
        return new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
    }

    private static void execute(Connection connection, String sql) throws Exception {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
