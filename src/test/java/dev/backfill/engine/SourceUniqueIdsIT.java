package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.FindingFilter;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dry run compares a target key's values across users unless the legacy table's own key keeps them apart:
 * which entities {@link SourceUniqueIds} names, on a real legacy schema, and that the comparison still finds
 * two users planning one id wherever the legacy table does not keep the ids apart.
 */
class SourceUniqueIdsIT {
    private static final String A = "0a0a0a0a-0000-4000-8000-00000000000a";
    private static Path plan;

    @BeforeAll
    static void schemas() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(SourceUniqueIdsIT.class);
        String legacy = demo.database("legacy");
        String app = demo.database("app");
        demo.recreateDatabase(legacy);
        demo.recreateDatabase(app);
        try (Connection connection = demo.connect(legacy); Statement sql = connection.createStatement()) {
            sql.execute("create table uuid_pk (id uuid primary key, user_id text)");
            sql.execute("create table int_unique (id bigint unique, user_id text)");
            sql.execute("create table composite_pk (user_id text, id uuid, primary key (user_id, id))");
            // one id in a text column, in two cases: two different legacy ids, one uuid
            sql.execute("create table text_pk (id text primary key, user_id text)");
            sql.execute("create table partial_unique (id uuid, user_id text)");
            sql.execute("create unique index on partial_unique (id) where user_id <> 'x'");
            sql.execute("create table parent_pk (id uuid primary key, user_id text)");
            sql.execute("create table child_rows () inherits (parent_pk)");
            sql.execute("create table no_key (id uuid, user_id text)");
            sql.execute("insert into uuid_pk values ('" + A + "', 'u1')");
            sql.execute("insert into composite_pk values ('u1', '" + A + "'), ('u2', '" + A + "')");
            sql.execute("insert into partial_unique values ('" + A + "', 'u1'), ('" + A + "', 'x')");
            sql.execute("insert into int_unique values (7, 'u1')");
            sql.execute("create table serial_pk (id bigserial primary key, user_id text)");
            sql.execute("insert into serial_pk (user_id) values ('u1')");
            sql.execute("insert into text_pk values ('" + A.toUpperCase() + "', 'u1'), ('" + A + "', 'u2')");
            sql.execute("insert into parent_pk values ('" + A + "', 'u1')");
            sql.execute("insert into child_rows values ('" + A + "', 'u2')");
            sql.execute("insert into no_key values ('" + A + "', 'u1'), ('" + A + "', 'u2')");
            // two users' rows that match one existing target row by a natural key shared across users: both take its id
            sql.execute("create table customers (id uuid primary key, user_id text, email text)");
            sql.execute("insert into customers values ('" + A.replace('a', 'b') + "', 'u1', 'a@x'), ('" + A.replace('a', 'c')
                    + "', 'u2', 'a@x')");
            // an order pair that holds the id: u2's (7, 1) becomes (1, 7), the id u1 keeps
            sql.execute("create table pairs (id bigint primary key, user_id text, other bigint)");
            sql.execute("insert into pairs values (1, 'u1', 5), (7, 'u2', 1)");
        }
        StringBuilder entities = new StringBuilder();
        StringBuilder tables = new StringBuilder();
        for (String[] entity : new String[][] {
                {"uuid_pk", "uuid_pk", "preserve", "uuid"}, {"int_unique", "int_unique", "preserve", "bigint"},
                {"serial_pk", "serial_pk", "preserve", "bigint"},
                {"int_derived", "int_unique", "derive", "uuid"}, {"int_as_text", "int_unique", "preserve", "text"},
                {"composite_pk", "composite_pk", "preserve", "uuid"}, {"text_pk", "text_pk", "preserve", "uuid"},
                {"partial_unique", "partial_unique", "preserve", "uuid"}, {"parent_pk", "parent_pk", "preserve", "uuid"},
                {"no_key", "no_key", "preserve", "uuid"}}) {
            tables.append("create table ").append(entity[0]).append("_v2 (id ").append(entity[3]).append(" primary key, user_id text);\n");
            entities.append("""
                      - name: %s
                        from: { table: %s }
                        into: %s_v2
                        key: [user_id]
                        id: { from: id, strategy: %s }
                        columns:
                          user_id: user_id
                    """.formatted(entity[0], entity[1], entity[0], entity[2]));
        }
        tables.append("create table customers_v2 (id uuid primary key, email text unique, user_id text);\n")
                .append("insert into customers_v2 values ('0e0e0e0e-0000-4000-8000-00000000000e', 'a@x', 'someone');\n")
                .append("create table pairs_v2 (id bigint primary key, other bigint, user_id text);\n");
        entities.append("""
                  - name: customers
                    from: { table: customers }
                    into: customers_v2
                    key: [email]
                    on_existing: update
                    id: { from: id, strategy: preserve }
                    columns: { email: email, user_id: user_id }
                  - name: pairs
                    from: { table: pairs }
                    into: pairs_v2
                    key: [user_id, other]
                    id: { from: id, strategy: preserve }
                    order: [id, other]
                    columns: { other: other, user_id: user_id }
                """);
        try (Connection connection = demo.connect(app); Statement sql = connection.createStatement()) {
            sql.execute(tables.toString());
        }
        plan = demo.folder().resolve("source-unique.plan.yaml");
        Files.writeString(plan, """
                version: 1
                plan: source-unique-it
                source: %s
                target: %s
                partition: user_id
                entities:
                %s""".formatted(demo.embedded(legacy), demo.embedded(app), entities), StandardCharsets.UTF_8);
    }

    @Test
    void namesOnlyTheEntitiesWhoseLegacyKeyKeepsTheirIdsApart() throws Exception {
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            assertThat(SourceUniqueIds.of(workspace.plan(), workspace.source(), workspace.catalog().shape()))
                    .containsExactlyInAnyOrder("uuid_pk", "int_unique", "int_derived", "serial_pk");
        }
    }

    @Test
    void theDryRunStillFindsOneIdPlannedByTwoUsersWhereTheLegacyTableAllowsIt() throws Exception {
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            List<String> duplicates = workspace.control().findings().list(FindingFilter.ALL).stream()
                    .filter(f -> f.kind() == dev.backfill.mapping.FindingKind.DUPLICATE_KEY)
                    .map(f -> f.user() + " " + f.entity() + " " + f.field()).sorted().toList();
            assertThat(duplicates).containsExactly(
                    "u2 composite_pk id",
                    "u2 customers id",
                    "u2 no_key id",
                    "u2 pairs id",
                    "u2 parent_pk id",
                    "u2 text_pk id",
                    "x partial_unique id");
        }
    }
}
