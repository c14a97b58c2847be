package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.demo.PartsScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code demo} over a folder whose demo has applied batches refuses (exit 4) instead of dropping them,
 * unless {@code --reset}; and it says it reuses the server that already runs rather than "starting" one.
 */
class DemoOverAppliedBatchesIT {
    private static Path folder;

    @BeforeAll
    static void demoFolderOnTheTestServer() throws Exception {
        folder = Path.of("target", "test-demo", DemoOverAppliedBatchesIT.class.getSimpleName()).toAbsolutePath();
        if (Files.exists(folder)) {
            try (Stream<Path> walk = Files.walk(folder)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(folder);
        // The demo's pg/ is the test JVM's running server, found through its postmaster.pid as another process's would be.
        Files.createSymbolicLink(folder.resolve("pg"), TestPostgres.dataDir());
        try (Connection admin = TestPostgres.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + PartsScenario.TARGET_DB + " with (force)");
        }
    }

    private static long partsInTarget() throws Exception {
        try (Connection target = TestPostgres.connect(PartsScenario.TARGET_DB)) {
            return Tables.count(target, "select count(*) from parts_v2");
        }
    }

    private static boolean controlSchemaInTarget() throws Exception {
        try (Connection target = TestPostgres.connect(PartsScenario.TARGET_DB)) {
            return Tables.count(target, "select count(*) from pg_namespace where nspname = 'backfill'") > 0;
        }
    }

    @Test
    void aDemoWithAnAppliedBatchIsKeptUnlessReset() throws Exception {
        String dir = folder.toString();
        String plan = folder.resolve("parts.plan.yaml").toString();

        InProcessCli.Result created = InProcessCli.run("demo", "--dir", dir, "--users", "12");
        assertThat(created.exit()).as(created.err()).isEqualTo(ExitCodes.OK);
        assertThat(created.err()).contains("Using the embedded PostgreSQL already running in " + folder.resolve("pg"))
                .doesNotContain("Starting");

        assertThat(InProcessCli.run("dry-run", plan).exit()).isIn(ExitCodes.OK, ExitCodes.FINDINGS);
        assertThat(InProcessCli.run("approve", plan, "--next").exit()).isEqualTo(ExitCodes.OK);
        assertThat(InProcessCli.run("apply", plan, "--next").exit()).isEqualTo(ExitCodes.OK);
        long applied = partsInTarget();
        assertThat(applied).isPositive();

        InProcessCli.Result again = InProcessCli.run("demo", "--dir", dir, "--users", "12");

        assertThat(again.exit()).as(again.err()).isEqualTo(ExitCodes.REFUSED);
        assertThat(again.err()).contains("Refused: the 'parts' demo in " + folder + " has applied batches (plan 'ifs-prd-backfill': batch 1 APPLIED",
                "drops its databases parts_legacy and parts_app", "Add --reset to start over anyway, or give another --dir.");
        assertThat(partsInTarget()).isEqualTo(applied);

        InProcessCli.Result reset = InProcessCli.run("demo", "--dir", dir, "--users", "12", "--reset");

        assertThat(reset.exit()).as(reset.err()).isEqualTo(ExitCodes.OK);
        assertThat(reset.err()).contains("Resetting (--reset): dropping the applied batches (plan 'ifs-prd-backfill': batch 1 APPLIED)");
        assertThat(controlSchemaInTarget()).as("a fresh target, without the applied batch's control schema").isFalse();
    }
}
