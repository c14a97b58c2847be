package dev.backfill.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch costs its rows, not a whole-table analyze of the ledger: apply refreshes the planner's
 * statistics only when the ledger grew by a fifth (plus 1,000 rows) since its last analyze, and only
 * on the columns queries filter on (the wide jsonb columns made it cost up to 1.4 s a batch).
 */
class ApplyStatisticsIT {

    @Test
    void theLedgerIsAnalyzedWhenItGrewEnoughAndOnlyOnTheColumnsQueriesUse() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ApplyStatisticsIT.class);
        Path plan = new PartsScenario().create(demo, 600);
        Files.writeString(plan, Files.readString(plan, StandardCharsets.UTF_8).replace("batch: { users: 10 }", "batch: { users: 100 }"),
                StandardCharsets.UTF_8);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(InProcessCli.run("approve", plan.toString(), "--next", "6").exit()).isEqualTo(ExitCodes.OK);
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            // autovacuum's own analyze would change the ledger's statistics under the test at random
            try (var statement = target.createStatement()) {
                statement.execute("alter table backfill.ledger set (autovacuum_enabled = false)");
            }
        }

        assertThat(InProcessCli.run("apply", plan.toString(), "--next").exit()).isEqualTo(ExitCodes.OK);
        long firstBatchLedgerRows = ledgerRows(demo);
        assertThat(firstBatchLedgerRows).as("one batch of 100 users writes fewer than 1,000 ledger rows").isBetween(1L, 999L);
        assertThat(manualAnalyzes(demo)).as("a small batch does not analyze the ledger").isZero();

        // about 300 ledger rows a batch: past 1,000 in the 4th, and the next analyze would need 20% + 1,000 more
        for (int batch = 2; batch <= 6; batch++) {
            InProcessCli.Result apply = InProcessCli.run("apply", plan.toString(), "--next");
            assertThat(apply.exit()).as(apply.out() + apply.err()).isEqualTo(ExitCodes.OK);
        }
        assertThat(ledgerRows(demo)).isGreaterThan(1000 + firstBatchLedgerRows);
        assertThat(manualAnalyzes(demo)).as("6 batches, %d ledger rows: analyzed once, when the ledger outgrew its statistics",
                ledgerRows(demo)).isEqualTo(1);
        // a plain analyze resets the server's count of rows changed since: an analyze of a column list did not,
        // and after the first one every batch analyzed again (a quarter of a second each at 100,000 users)
        long changedSince = Long.parseLong(query(demo, "select n_mod_since_analyze from pg_stat_all_tables"
                + " where schemaname = 'backfill' and relname = 'ledger'"));
        assertThat(changedSince).as("ledger rows changed since its analyze, of %d", ledgerRows(demo)).isLessThan(ledgerRows(demo) / 2);
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            List<String> columns = Tables.rows(target, "select attname from pg_stats where tablename = 'ledger' order by attname");
            assertThat(columns).contains("batch_no", "user_key", "entity", "rolled_back_at").doesNotContain("row_keys", "before_images",
                    "row_hashes", "column_hashes");
        }
    }

    private static long ledgerRows(DemoEnvironment demo) throws Exception {
        return Long.parseLong(query(demo, "select count(*) from backfill.ledger"));
    }

    private static long manualAnalyzes(DemoEnvironment demo) throws Exception {
        return Long.parseLong(query(demo, "select analyze_count from pg_stat_all_tables where schemaname = 'backfill' and relname = 'ledger'"));
    }

    private static String query(DemoEnvironment demo, String sql) throws Exception {
        try (Connection target = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            return Tables.rows(target, sql).get(0);
        }
    }
}
