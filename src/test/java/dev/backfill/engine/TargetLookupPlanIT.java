package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.PlannedRow;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dry run and apply look a chunk's planned rows up in a large target table by index. The planner gave
 * such a look-up parallel workers (new server processes, slow on their first pages): 70 ms for 2,000 keys
 * against 20 ms without. The look-up runs in the session's own process.
 */
class TargetLookupPlanIT {
    private static DemoEnvironment demo;
    private static Path plan;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(TargetLookupPlanIT.class);
        plan = new PartsScenario().create(demo, 30);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
    }

    @Test
    void aLookUpStartsNoParallelWorkersEvenWhereThePlannerWouldGiveItSome() throws Exception {
        try (Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
             Connection connection = workspace.target().getConnection();
             Statement sql = connection.createStatement()) {
            Entity sessions = workspace.plan().entities().stream().filter(e -> e.into().equals("sessions_v2")).findFirst().orElseThrow();
            List<PlannedRow> candidates = new ArrayList<>();
            for (String user : Tables.rows(connection, "select user_key from backfill.users order by position")) {
                new Preview(workspace).of(user).entities().stream().filter(e -> e.entity() == sessions)
                        .forEach(e -> candidates.addAll(e.planned()));
            }
            assertThat(candidates).isNotEmpty();
            // a session whose planner finds parallel workers free: they cost it nothing
            sql.execute("set parallel_setup_cost = 0");
            sql.execute("set parallel_tuple_cost = 0");
            sql.execute("set min_parallel_table_scan_size = 0");
            sql.execute("set min_parallel_index_scan_size = 0");
            sql.execute("set parallel_leader_participation = off");

            // the control: in this session a plain read of the table does start workers, so a zero below means something
            long control = parallelWorkersLaunched(connection);
            Tables.rows(connection, "select count(*) from sessions_v2");
            assertThat(parallelWorkersLaunched(connection) - control).as("workers for a plain count of the table").isPositive();

            List<String> setting = Tables.rows(connection, "show max_parallel_workers_per_gather");
            long before = parallelWorkersLaunched(connection);
            TargetLookup.find(connection, sessions, workspace.catalog().shape(), candidates);
            long after = parallelWorkersLaunched(connection);

            assertThat(after - before).as("parallel workers launched by the look-up").isZero();
            assertThat(Tables.rows(connection, "show max_parallel_workers_per_gather")).as("the setting is back").isEqualTo(setting);
        }
    }

    /** This database's count of parallel workers launched, with this session's own counts flushed first. */
    private static long parallelWorkersLaunched(Connection connection) throws Exception {
        try (Statement sql = connection.createStatement()) {
            sql.execute("select pg_stat_force_next_flush()");
        }
        return Long.parseLong(Tables.rows(connection, "select parallel_workers_launched from pg_stat_database"
                + " where datname = current_database()").get(0));
    }
}
