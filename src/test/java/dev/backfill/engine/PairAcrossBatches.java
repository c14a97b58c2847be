package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.db.Secrets;
import dev.backfill.demo.CommunityScenario;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

/**
 * The community demo with 14 members: batch 1 of 10 and batch 2 of 4, the planted pair's first member in batch 1
 * and its last in batch 2, so that the first member's follow, comment and answer wait for batch 2. Reviewed, and
 * batch 1 approved and applied; the test then changes the target and applies batch 2.
 */
final class PairAcrossBatches implements AutoCloseable {
    static final int USERS = 14;
    static final String ACTOR = "tester@test";

    final Path plan;
    final Workspace workspace;
    final Connection target;
    final Approvals approvals;
    final String first;
    final String last;

    private PairAcrossBatches(Path plan, Workspace workspace, Connection target, List<String> order) {
        this.plan = plan;
        this.workspace = workspace;
        this.target = target;
        this.approvals = new Approvals(workspace);
        this.first = order.get(0);
        this.last = order.get(USERS - 1);
    }

    static PairAcrossBatches firstBatchApplied(Class<?> testClass) throws Exception {
        DemoEnvironment demo = TestPostgres.demo(testClass);
        Path plan = new CommunityScenario().create(demo, USERS);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        Workspace workspace = Workspace.open(PlanLoader.load(plan), new Secrets(Map.of()));
        PairAcrossBatches pair = new PairAcrossBatches(plan, workspace, TestPostgres.connect(demo.database(CommunityScenario.TARGET_DB)),
                CommunityScenario.partitionOrder(USERS).stream().map(CommunityScenario::memberId).toList());
        pair.approvals.approve(1, ACTOR);
        assertThat(new Apply(workspace).apply(1, ApplyListener.NONE, new Apply.PauseSignal()).state()).isEqualTo(BatchState.APPLIED);
        return pair;
    }

    /** Creates a trigger that upper-cases the body of one comment as it is inserted (a rule of the target's). */
    void shoutOnInsertOf(String commentId) throws Exception {
        try (java.sql.Statement sql = target.createStatement()) {
            sql.execute("create function shout() returns trigger language plpgsql as $$ begin new.body := upper(new.body);"
                    + " return new; end $$");
            sql.execute("create trigger shout before insert on comments_v2 for each row when (new.id = '" + commentId + "')"
                    + " execute function shout()");
        }
    }

    @Override
    public void close() throws Exception {
        try (Connection closing = target) {
            workspace.close();
        }
    }
}
