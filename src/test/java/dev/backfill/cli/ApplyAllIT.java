package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code apply --all}: every approved batch in queue order, stopping where the operator must look. */
class ApplyAllIT {
    private DemoEnvironment demo;
    private Path plan;

    @BeforeEach
    void createDemo() throws Exception {
        demo = TestPostgres.demo(ApplyAllIT.class);
        plan = new PartsScenario().create(demo, 30);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
    }

    @Test
    void appliesEveryApprovedBatchAndSaysWhatComesNext() throws Exception {
        InProcessCli.Result nothing = InProcessCli.run("apply", plan.toString(), "--all");
        assertThat(nothing.exit()).as(nothing.err()).isEqualTo(ExitCodes.REFUSED);
        assertThat(nothing.err()).contains("Next: backfill approve " + plan + " --next");

        assertThat(InProcessCli.run("approve", plan.toString(), "--next", "2").exit()).isEqualTo(ExitCodes.OK);
        InProcessCli.Result all = InProcessCli.run("apply", plan.toString(), "--all");

        assertThat(all.exit()).as(all.out() + all.err()).isEqualTo(ExitCodes.OK);
        assertThat(all.out()).contains("Batch 1: APPLIED.", "Batch 2: APPLIED.", "Applied 2 batch(es)", "No approved batch is left",
                "Next: backfill approve " + plan + " --next");
        assertThat(states()).containsExactly("1 applied", "2 applied", "3 planned");
    }

    @Test
    void stopsAfterABatchThatHeldUsersBack() throws Exception {
        assertThat(InProcessCli.run("approve", plan.toString(), "--next", "3").exit()).isEqualTo(ExitCodes.OK);
        String batchOne = String.join("', '", target("select user_key from backfill.users where batch_no = 1"));
        String user;
        try (Connection legacy = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB))) {
            user = Tables.rows(legacy, "select min(user_id::text) from parts where user_id::text in ('" + batchOne + "')").get(0);
            legacy.createStatement().executeUpdate("update parts set name = name || ' (edited)' where user_id::text = '" + user + "'");
        }

        InProcessCli.Result all = InProcessCli.run("apply", plan.toString(), "--all");

        assertThat(all.exit()).as(all.out() + all.err()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(all.err()).contains("SOURCE_CHANGED " + user);
        assertThat(all.out()).contains("Batch 1: HELD_BACK.", "Applied 1 batch(es)", "Stopped after batch 1: it held 1 user(s) back")
                .doesNotContain("Batch 2:");
        assertThat(states()).containsExactly("1 held_back", "2 approved", "3 approved");
    }

    private List<String> states() throws Exception {
        return target("select batch_no || ' ' || lower(state) from backfill.batches where batch_no between 1 and 3 order by batch_no");
    }

    private List<String> target(String sql) throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            return Tables.rows(connection, sql);
        }
    }
}
