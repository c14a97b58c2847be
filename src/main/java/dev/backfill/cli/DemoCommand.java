package dev.backfill.cli;

import dev.backfill.db.EmbeddedServers;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenario;
import dev.backfill.demo.DemoScenarios;
import dev.backfill.demo.PlantedFinding;
import dev.backfill.plan.JdbcUrls;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

@CommandLine.Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start the built-in demo: an embedded PostgreSQL (from a Maven artifact) with generated legacy data"
                + " with messy cases planted, the empty target schema, and the plan that migrates one into the other."},
        footer = ExitCodes.HELP)
final class DemoCommand extends BackfillCommand {

    @CommandLine.Option(names = "--scenario", defaultValue = "parts", paramLabel = "NAME",
            description = "Which demo: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).", completionCandidates = Names.class)
    String scenario;

    @CommandLine.Option(names = "--users", defaultValue = "200", paramLabel = "N", description = "Users to generate (default ${DEFAULT-VALUE}).")
    int users;

    @CommandLine.Option(names = "--dir", defaultValue = "demo", paramLabel = "FOLDER",
            description = "Folder for the database files and the plan (default ./${DEFAULT-VALUE}); later commands find the database there.")
    Path dir;

    @CommandLine.Option(names = "--keep-running", description = "Keep the database running and print its JDBC URL until Ctrl-C.")
    boolean keepRunning;

    @CommandLine.Option(names = "--reset", description = {"Start over even if batches were applied in this folder's demo:"
            + " its databases are dropped with everything applied, approved and recorded in them."})
    boolean reset;

    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return DemoScenarios.names().iterator();
        }
    }

    @Override
    protected int execute() throws Exception {
        DemoScenario chosen = DemoScenarios.named(scenario).orElseThrow(() -> new dev.backfill.errors.InvalidInputException(
                "There is no demo named '" + scenario + "'. Choose one of: " + String.join(", ", DemoScenarios.names())));
        if (users < 1) {
            throw new dev.backfill.errors.InvalidInputException("--users must be at least 1, got " + users);
        }
        DemoEnvironment environment = new DemoEnvironment(dir);
        Optional<Integer> running = EmbeddedServers.runningPort(environment.dataDir());
        if (running.isPresent()) {
            err().printf("Using the embedded PostgreSQL already running in %s (port %d)...%n", environment.dataDir(), running.get());
        } else {
            err().printf("Starting the embedded PostgreSQL in %s...%n", environment.dataDir());
        }
        err().flush();
        long start = System.nanoTime();
        environment.port();
        String targetDb = environment.database(chosen.targetDatabase());
        List<String> applied = environment.appliedBatches(targetDb);
        if (!applied.isEmpty() && !reset) {
            err().printf("Refused: the '%s' demo in %s has applied batches (%s). Running the demo again drops its databases"
                            + " %s and everything applied in them.%nAdd --reset to start over anyway, or give another --dir.%n",
                    chosen.name(), environment.folder(), String.join(", ", applied), databases(environment, chosen));
            return ExitCodes.REFUSED;
        }
        err().printf("%s %,d users for '%s'...%n", applied.isEmpty() ? "Generating" : "Resetting (--reset): dropping the applied"
                + " batches (" + String.join(", ", applied) + ") and generating", users, chosen.name());
        err().flush();
        Path plan = chosen.create(environment, users);
        Path shown = Path.of("").toAbsolutePath().relativize(plan.toAbsolutePath());
        out().printf("Demo '%s' is ready in %.1f s: %s%n", chosen.name(), (System.nanoTime() - start) / 1e9, chosen.title());
        out().printf("  %,d users with legacy data; %d messy cases planted:%n", users, chosen.planted(users).size());
        for (PlantedFinding planted : chosen.planted(users)) {
            out().printf("    - %s (%s in %s)%n", planted.story(), planted.kind(), planted.entity());
        }
        out().printf("  plan: %s%n%nNext:%n", shown);
        out().printf("  bin/backfill validate %s%n", shown);
        out().printf("  bin/backfill dry-run %s%n", shown);
        if (!chosen.planted(users).isEmpty()) {
            out().printf("  bin/backfill preview %s --user %s%n", shown, chosen.planted(users).get(0).user());
        }
        out().printf("  bin/backfill export conflicts %s --out conflicts.json%n", shown);
        out().printf("  bin/backfill batches %s%n", shown);
        if (keepRunning) {
            out().printf("%nThe database is running: %s (user postgres, no password). Ctrl-C stops it.%n",
                    JdbcUrls.redact(environment.jdbcUrl("postgres")));
            out().flush();
            new CountDownLatch(1).await();
        }
        return ExitCodes.OK;
    }

    /** The databases {@code create} drops and creates again. */
    private static String databases(DemoEnvironment environment, DemoScenario scenario) {
        return scenario.legacyDatabase() == null ? environment.database(scenario.targetDatabase())
                : environment.database(scenario.legacyDatabase()) + " and " + environment.database(scenario.targetDatabase());
    }
}
