package dev.backfill.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A full dry run reads every legacy stream at once, each on its own source connection: a plan
 * reading more tables than the smallest source pool holds (4) still runs, and maps every row.
 */
class ManyStreamsIT {
    private static final int TABLES = 7;

    @Test
    void aPlanReadingSevenTablesDryRunsEveryUser() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ManyStreamsIT.class);
        String legacy = demo.database("legacy");
        String app = demo.database("app");
        demo.recreateDatabase(legacy);
        demo.recreateDatabase(app);
        StringBuilder entities = new StringBuilder();
        try (Connection source = demo.connect(legacy); Connection target = demo.connect(app);
             Statement sourceSql = source.createStatement(); Statement targetSql = target.createStatement()) {
            for (int t = 1; t <= TABLES; t++) {
                sourceSql.execute("create table t" + t + " (id int primary key, user_id text, v text)");
                sourceSql.execute("insert into t" + t + " select u * 10 + " + t + ", 'user-' || u, 'value ' || u from generate_series(1, 3) u");
                targetSql.execute("create table t" + t + "_v2 (id int primary key, user_id text not null, v text)");
                entities.append("""
                          - name: t%1$d
                            from: { table: t%1$d }
                            into: t%1$d_v2
                            key: [id]
                            columns: { id: id, user_id: user_id, v: v }
                        """.formatted(t));
            }
        }
        Path plan = demo.folder().resolve("many.plan.yaml");
        Files.writeString(plan, """
                version: 1
                plan: many-streams
                source: %s
                target: %s
                partition: user_id
                entities:
                %s""".formatted(demo.embedded(legacy), demo.embedded(app), entities), StandardCharsets.UTF_8);
        assertThat(Sources.poolSize(PlanLoader.load(plan))).as("a connection per stream, two more, and three per stream for apply's other writers")
                .isEqualTo(TABLES + 2 + 3 * TABLES);

        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()))) {
            DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            assertThat(result.users()).isEqualTo(3);
            assertThat(result.plannedRows()).isEqualTo(3L * TABLES);
            assertThat(result.findingCount()).isZero();
            try (Connection target = demo.connect(app)) {
                assertThat(Tables.rows(target, "select user_key || ' ' || planned_rows from backfill.users where plan = 'many-streams'"
                        + " order by user_key")).containsExactly("user-1 7", "user-2 7", "user-3 7");
            }
        }
    }
}
