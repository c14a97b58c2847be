package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.mapping.Finding;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PartsDryRunIT {
    private static final int USERS = 40;
    private static final PartsScenario SCENARIO = new PartsScenario();
    private static DemoEnvironment demo;
    private static Plan plan;

    @BeforeAll
    static void createDemo() throws Exception {
        demo = TestPostgres.demo(PartsDryRunIT.class);
        Path planFile = SCENARIO.create(demo, USERS);
        plan = PlanLoader.load(planFile);
    }

    @Test
    void dryRunFindsExactlyThePlantedMessyCases() throws Exception {
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            DryRun.Result result = new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            List<Finding> findings = workspace.control().findings().list(FindingFilter.ALL);
            Set<String> actual = findings.stream().map(f -> describe(f.user(), f.entity(), f.kind().name(), f.field(), f.legacyIds()))
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> expected = SCENARIO.planted(USERS).stream()
                    .map(p -> describe(p.user(), p.entity(), p.kind().name(), p.field(), p.legacyIds()))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(actual).isEqualTo(expected);
            assertThat(result.users()).isEqualTo(USERS);
            assertThat(result.legacyRows()).isEqualTo(USERS * 10L + 1);
        }
    }

    @Test
    void dryRunWritesNothingOutsideTheControlSchema() throws Exception {
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB));
             Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            var legacyBefore = Tables.snapshot(legacy, "public");
            var targetBefore = Tables.snapshot(target, "public");
            try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
                new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            }
            assertThat(Tables.snapshot(legacy, "public")).isEqualTo(legacyBefore);
            assertThat(Tables.snapshot(target, "public")).isEqualTo(targetBefore);
        }
    }

    @Test
    void aFullDryRunAgainOfAFreshPlanCountsEachBatchsUsersOnce() throws Exception {
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
        }
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            List<String> counted = Tables.rows(target, "select batch_no || ' ' || status || ' ' || users from backfill.batch_counts"
                    + " where plan = '" + plan.name() + "' and users <> 0 order by batch_no, status");
            List<String> users = Tables.rows(target, "select batch_no || ' ' || status || ' ' || count(*) from backfill.users"
                    + " where plan = '" + plan.name() + "' and batch_no is not null group by batch_no, status order by batch_no, status");
            assertThat(counted).isEqualTo(users).contains("1 planned 10", "4 planned 10");
        }
    }

    private static String describe(String user, String entity, String kind, String field, List<String> ids) {
        return user + " " + entity + " " + kind + " " + field + " " + new TreeSet<>(ids);
    }

}
