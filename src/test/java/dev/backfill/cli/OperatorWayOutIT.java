package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every state an operator can reach with ordinary commands has a way out, and every command a
 * message suggests is accepted in the state it describes. Each test builds a fresh demo.
 */
class OperatorWayOutIT {
    private static final String PLAN = "ifs-prd-backfill";
    private DemoEnvironment demo;
    private Path plan;

    @BeforeEach
    void createDemo() throws Exception {
        demo = TestPostgres.demo(OperatorWayOutIT.class);
        plan = new PartsScenario().create(demo, 30);
    }

    private InProcessCli.Result cli(String command, String... options) {
        List<String> args = new ArrayList<>(List.of(command, plan.toString()));
        args.addAll(List.of(options));
        return InProcessCli.run(args.toArray(String[]::new));
    }

    private List<String> query(String sql) throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            return Tables.rows(connection, sql);
        }
    }

    private String state(int batch) throws Exception {
        return query("select state from backfill.batches where plan = '" + PLAN + "' and batch_no = " + batch).get(0);
    }

    private void legacy(String sql) throws Exception {
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.LEGACY_DB))) {
            connection.createStatement().executeUpdate(sql);
        }
    }

    /** Runs every "Next:"/"then:" command a refusal printed, in order, and asserts each is accepted. */
    private void followHints(InProcessCli.Result refused) {
        List<String> hints = refused.err().lines().filter(l -> l.startsWith("Next: ") || l.startsWith("then: "))
                .map(l -> l.substring(6)).toList();
        assertThat(hints).as("a refusal says what to do: %s", refused.err()).isNotEmpty();
        for (String hint : hints) {
            assertThat(hint).startsWith("backfill ").contains(plan.toString());
            InProcessCli.Result run = InProcessCli.run(hint.substring("backfill ".length()).split(" "));
            assertThat(run.exit()).as("'%s' suggested by\n%s\nanswered\n%s", hint, refused.err(), run.printed())
                    .isNotIn(ExitCodes.BAD_PLAN, ExitCodes.REFUSED, ExitCodes.FAILED);
        }
    }

    @Test
    void theSixCommandsThatOnceStuckBatchOneNowEndWithItApplied() throws Exception {
        assertThat(cli("dry-run").exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(cli("approve", "--next").exit()).isEqualTo(ExitCodes.OK);
        String user = query("select user_key from backfill.users where plan = '" + PLAN + "' and batch_no = 1 and legacy_rows > 3"
                + " order by position limit 1").get(0);
        legacy("update sessions set summary = 'edited after approval' where id = (select id from sessions where user_id = '" + user
                + "' order by id limit 1)");
        assertThat(cli("apply", "--next").exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(state(1)).isEqualTo("HELD_BACK");
        assertThat(cli("dry-run", "--user", user).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        assertThat(cli("approve", "--batch", "1").exit()).isEqualTo(ExitCodes.OK);
        assertThat(cli("dry-run").exit()).isEqualTo(ExitCodes.FINDINGS);

        assertThat(state(1)).as("the full dry run withdrew the approval; batch 1 holds its user back again").isEqualTo("HELD_BACK");
        assertThat(query("select count(*) from backfill.approvals where plan = '" + PLAN + "' and batch_no = 1 and revoked_at is null"))
                .containsExactly("0");
        assertThat(query("select count(*) from backfill.users where plan = '" + PLAN + "' and batch_no = 1 and status = 'migrated'"))
                .containsExactly("9");
        assertThat(cli("approve", "--batch", "1").exit()).isEqualTo(ExitCodes.OK);
        InProcessCli.Result apply = cli("apply", "--batch", "1");
        assertThat(apply.exit()).as(apply.printed()).isEqualTo(ExitCodes.OK);
        assertThat(state(1)).isEqualTo("APPLIED");
        assertThat(query("select count(*) from backfill.users where plan = '" + PLAN + "' and batch_no = 1 and status = 'migrated'"))
                .containsExactly("10");
        assertThat(cli("rollback", "--batch", "1", "--yes").exit()).as("and it can be rolled back").isEqualTo(ExitCodes.OK);
    }

    @Test
    void everyHintARefusalGivesIsAcceptedInThatState() throws Exception {
        InProcessCli.Result beforeAnyDryRun = cli("approve", "--next");
        assertThat(beforeAnyDryRun.exit()).isEqualTo(ExitCodes.REFUSED);
        followHints(beforeAnyDryRun);

        InProcessCli.Result applyLater = cli("apply", "--batch", "2");
        assertThat(applyLater.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(applyLater.err()).contains("Batch 2 is not next");
        followHints(applyLater);

        InProcessCli.Result approveAhead = cli("approve", "--batch", "2");
        assertThat(approveAhead.exit()).isEqualTo(ExitCodes.REFUSED);
        followHints(approveAhead);

        assertThat(cli("approve", "--next").exit()).isEqualTo(ExitCodes.OK);
        Files.writeString(plan, Files.readString(plan, StandardCharsets.UTF_8).replace("default: neutral", "default: calm"),
                StandardCharsets.UTF_8);
        InProcessCli.Result planChanged = cli("apply", "--next");
        assertThat(planChanged.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(planChanged.err()).contains("approved under another version of the plan file");
        followHints(planChanged);
        assertThat(cli("apply", "--next").exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);

        assertThat(cli("approve", "--next", "5").exit()).isEqualTo(ExitCodes.OK);
        InProcessCli.Result allApplied = cli("apply", "--next");
        for (int tries = 0; tries < 5 && allApplied.exit() != ExitCodes.REFUSED; tries++) {
            assertThat(allApplied.exit()).as(allApplied.printed()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
            allApplied = cli("apply", "--next");
        }
        assertThat(allApplied.err()).contains("Every batch of plan '" + PLAN + "' is applied");
        followHints(allApplied);
        assertThat(cli("approve", "--next").err()).contains("Every batch of plan '" + PLAN + "' is applied");

        assertThat(cli("rollback", "--batch", "1", "--yes").exit()).isEqualTo(ExitCodes.OK);
        InProcessCli.Result nothingToRollBack = cli("rollback", "--batch", "1");
        assertThat(nothingToRollBack.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(nothingToRollBack.err()).contains("none of its rows are in the target");
    }

    @Test
    void aRefusedOrFailedApplyNeverClaimsItWasInterrupted() throws Exception {
        InProcessCli.Result refused = cli("apply", "--next");

        assertThat(refused.exit()).isEqualTo(ExitCodes.REFUSED);
        assertThat(refused.printed()).doesNotContain("Interrupted");
    }

    @Test
    void nonsenseNumbersAndAFolderForAPlanAreInvalidInput() throws Exception {
        assertThat(cli("apply", "--next", "--chunk", "0").exit()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(cli("apply", "--next", "--chunk=-1").exit()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(cli("apply", "--next", "--throttle-ms=-1").exit()).isEqualTo(ExitCodes.BAD_PLAN);
        InProcessCli.Result dryRun = cli("dry-run", "--chunk", "0");
        assertThat(dryRun.exit()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(dryRun.err()).contains("A chunk holds at least 1 user, not 0.");
        InProcessCli.Result folder = InProcessCli.run("dry-run", plan.getParent().toString());
        assertThat(folder.exit()).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(folder.err()).contains("is a folder, not a plan file");
    }

    @Test
    void anExportIntoAPlaceThatCannotBeWrittenSaysSoInOneSentence() throws Exception {
        assertThat(cli("dry-run").exit()).isEqualTo(ExitCodes.FINDINGS);
        Path blocked = demo.folder().resolve("a-file");
        Files.writeString(blocked, "not a folder");

        InProcessCli.Result export = InProcessCli.run("export", "conflicts", plan.toString(), "--out",
                blocked.resolve("conflicts.json").toString());

        assertThat(export.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(export.err().strip()).isEqualTo("Cannot write the report to " + blocked.resolve("conflicts.json") + ": the folder "
                + blocked + " cannot be created. Nothing was written; choose a place you can write to with --out.");
    }

    @Test
    void aRunWhoseProcessDiedIsMarkedInterruptedTheNextTimeThePlanIsLocked() throws Exception {
        assertThat(cli("dry-run").exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(cli("approve", "--next").exit()).isEqualTo(ExitCodes.OK);
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            // what a kill -9 leaves: the run row of an apply that never finished
            connection.createStatement().executeUpdate("insert into backfill.runs (plan, kind, batch_no, plan_checksum, status,"
                    + " os_user, host) values ('" + PLAN + "', 'apply', 1, 'x', 'running', 'op', 'gone-host')");
        }

        InProcessCli.Result apply = cli("apply", "--next");

        assertThat(apply.err()).contains("1 earlier run(s) of this plan ended without a word (killed or crashed)");
        assertThat(query("select status from backfill.runs where plan = '" + PLAN + "' and host = 'gone-host'"))
                .containsExactly("interrupted");
        assertThat(query("select count(*) from backfill.runs where plan = '" + PLAN + "' and status = 'running'")).containsExactly("0");
    }
}
