package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.control.FindingFilter;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Failures the target's own constraints would cause at apply are findings of the dry run, before
 * anything is approved: a legacy id two users share (primary key), the same id twice for one user,
 * a value too long for a unique key's index, and a value that becomes NULL in a NOT NULL column.
 */
class TargetConstraintsIT {
    private static final String USER = "md5('user-' || %d)::uuid::text";
    private static final String PART = "md5('part-' || %d || '-' || %d)::uuid";

    private static String user(int n) {
        return String.format(USER, n);
    }

    private static String part(int user, int part) {
        return String.format(PART, user, part);
    }

    @Test
    void theDryRunPredictsWhatTheTargetsConstraintsWouldRefuse() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(TargetConstraintsIT.class);
        var planFile = new PartsScenario().create(demo, 12);
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB))) {
            var sql = legacy.createStatement();
            sql.executeUpdate("alter table parts drop constraint parts_pkey");
            sql.executeUpdate("update parts set id = " + part(1, 1) + " where id = " + part(2, 2));       // two users, one id
            sql.executeUpdate("update parts set id = " + part(3, 1) + " where id = " + part(3, 2));       // one user, the same id twice
            sql.executeUpdate("update parts set name = repeat('x', 1048576) where id = " + part(4, 1)); // too long for its index
            sql.executeUpdate("update parts set created_at = 'infinity' where id = " + part(5, 1));     // NULL in a NOT NULL column
        }
        String u1;
        String u2;
        String u3;
        String u4;
        String u5;
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB))) {
            List<String> users = Tables.rows(legacy, "select " + user(1) + " union all select " + user(2) + " union all select " + user(3)
                    + " union all select " + user(4) + " union all select " + user(5));
            u1 = users.get(0);
            u2 = users.get(1);
            u3 = users.get(2);
            u4 = users.get(3);
            u5 = users.get(4);
        }
        String later = u1.compareTo(u2) < 0 ? u2 : u1;

        try (Workspace workspace = Workspace.open(PlanLoader.load(planFile), new Secrets(Map.of()))) {
            new DryRun(workspace).run(DryRun.Options.all(), ProgressListener.NONE, new Cancellation());
            List<Finding> findings = workspace.control().findings().list(FindingFilter.ALL);

            assertThat(findings).filteredOn(f -> f.kind() == FindingKind.DUPLICATE_KEY && "id".equals(f.field()))
                    .extracting(Finding::user).containsExactlyInAnyOrder(later, u3);
            assertThat(findings).filteredOn(f -> f.user().equals(u3) && f.kind() == FindingKind.DUPLICATE_KEY).singleElement()
                    .extracting(Finding::message).asString().contains("appears twice among this user's parts rows")
                    .contains("primary key parts_v2_pkey");
            assertThat(findings).filteredOn(f -> f.user().equals(later) && f.kind() == FindingKind.DUPLICATE_KEY).singleElement()
                    .extracting(Finding::message).asString().contains("is also planned for user");
            assertThat(findings).filteredOn(f -> f.user().equals(u4) && f.kind() == FindingKind.INVALID_VALUE).singleElement()
                    .satisfies(f -> assertThat(f.field()).isEqualTo("name"))
                    .extracting(Finding::message).asString().contains("1,048,576 bytes").contains("parts_v2_user_id_name_key")
                    .contains("the row is not migrated");
            assertThat(findings).filteredOn(f -> f.user().equals(u5) && "created_at".equals(f.field())).extracting(Finding::kind)
                    .containsExactlyInAnyOrder(FindingKind.INVALID_VALUE, FindingKind.MISSING_REQUIRED);

            new Approvals(workspace).approve(1, "tester@test");
            Apply.Result applied = new Apply(workspace, 10).apply(1, ApplyListener.NONE, new Apply.PauseSignal());
            // the one failure left is the one the dry run announced: two users sharing a legacy id, the later one fails alone
            assertThat(applied.failed()).isEqualTo(isInBatchOne(workspace, later) ? 1 : 0);
            assertThat(applied.state()).isIn(BatchState.APPLIED, BatchState.HELD_BACK);
            try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
                assertThat(Tables.rows(target, "select status from backfill.users where user_key in ('" + u3 + "', '" + u4 + "', '" + u5
                        + "') order by 1")).containsOnly("migrated");
                assertThat(Tables.count(target, "select count(*) from parts_v2 where user_id = '" + u3 + "' and id::text = (select "
                        + part(3, 1) + "::text)")).as("the id the user had twice is written once").isEqualTo(1);
                assertThat(Tables.count(target, "select count(*) from parts_v2 where length(name) > 2688")).isZero();
                if (isInBatchOne(workspace, later)) {
                    assertThat(Tables.rows(target, "select last_error from backfill.users where user_key = '" + later + "'"))
                            .singleElement().asString().contains("23505").contains("parts_v2_pkey");
                }
            }
        }
    }

    private static boolean isInBatchOne(Workspace workspace, String user) throws Exception {
        return workspace.control().users().get(user).map(u -> u.batch() != null && u.batch() == 1).orElse(false);
    }
}
