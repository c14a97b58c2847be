package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.control.IdMapStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.MappingContext;
import dev.backfill.plan.Entity;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Apply reads every row it wrote back by its key before the ledger records it. A target that starts empty
 * and grows looks small to the planner next to a chunk's keys: it hashed the whole table for every chunk,
 * a cost that grew with the table. Where a unique index finds each key, the read-back looks the keys up.
 */
class ReadBackPlanIT {
    private static DemoEnvironment demo;
    private static Path plan;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(ReadBackPlanIT.class);
        plan = new PartsScenario().create(demo, 30);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
    }

    @Test
    void theRowsAChunkWroteAreReadBackByTheirKeysNotByScanningTheTable() throws Exception {
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection connection = workspace.target().getConnection()) {
            List<String> users = Tables.rows(connection, "select user_key from backfill.users order by position");
            List<Entity> entities = workspace.plan().entities();
            IdMapStore ids = workspace.control().idMap();
            MappingContext context = new MappingContext(workspace.plan(), workspace.catalog().shape(), ids, Map.of());
            ChunkWriter writer = LiveAppApplyIT.writer(workspace, connection, UniqueGuards.of(connection, entities,
                    workspace.catalog().shape(), workspace.catalog().storedShape()));
            List<ChunkWriter.PreparedUser> prepared = new ArrayList<>();
            for (MappedUser mapped : new ChunkMapper(context, ids, Set.of()).map(connection, users, new SourceChunks(workspace).users(users),
                    entities)) {
                prepared.add(writer.prepare(entities, mapped, mapped.target().value()));
            }
            connection.setAutoCommit(false);
            try (Statement sql = connection.createStatement()) {
                // other users' sessions: a table the planner would rather hash whole than look a chunk's keys up in
                sql.execute("insert into sessions_v2 (id, user_id, started_at, summary) select gen_random_uuid(), gen_random_uuid(),"
                        + " timestamptz '2020-01-01' + g * interval '1 minute', 'the live app''s' from generate_series(1, 20000) g");
                sql.execute("analyze sessions_v2");
                long scansBefore = sequentialScansOfSessions(connection);
                long fetchedBefore = fetchedThroughTheKey(connection);

                ChunkWriter.Written written = writer.write(connection, 0, 1, entities, prepared, ChunkWriter.LookUp.TRUST_UNIQUE_INDEXES);
                long scansAfter = sequentialScansOfSessions(connection);
                long fetchedAfter = fetchedThroughTheKey(connection);

                assertThat(written.targetChanged()).isEmpty();
                assertThat(written.rows()).containsOnlyKeys(users);
                assertThat(Tables.rows(connection, "select count(*) from sessions_v2 where summary is distinct from 'the live app''s'"))
                        .as("the chunk's sessions were written and read back").doesNotContain("0");
                assertThat(scansAfter).as("the read-back scanned no table").isEqualTo(scansBefore);
                long sessionsWritten = Long.parseLong(Tables.rows(connection, "select count(*) from sessions_v2 where summary is distinct from"
                        + " 'the live app''s'").get(0));
                assertThat(fetchedAfter - fetchedBefore).as("it looked each written session up by its key, not the whole index (a merge join)")
                        .isLessThanOrEqualTo(sessionsWritten);
                assertThat(Tables.rows(connection, "select current_setting('enable_hashjoin') || ' ' || current_setting('enable_mergejoin')"))
                        .as("the planner's settings are back").containsExactly("on on");
            } finally {
                connection.rollback();
            }
        }
    }

    /** Rows this transaction fetched through the primary key of sessions_v2 so far. */
    private static long fetchedThroughTheKey(Connection connection) throws Exception {
        return Long.parseLong(Tables.rows(connection, "select pg_stat_get_xact_tuples_fetched('sessions_v2_pkey'::regclass)").get(0));
    }

    private static long sequentialScansOfSessions(Connection connection) throws Exception {
        // for a table, the sequential scans of this transaction so far
        return Long.parseLong(Tables.rows(connection, "select pg_stat_get_xact_numscans('sessions_v2'::regclass)").get(0));
    }
}
