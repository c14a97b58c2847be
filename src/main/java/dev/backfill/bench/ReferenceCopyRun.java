package dev.backfill.bench;

import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenario;
import dev.backfill.demo.ReferenceCopy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The machine's own limit for moving these rows: server-side COPY of the legacy rows out to a file
 * and into an identical, empty target schema, timed per direction.
 */
final class ReferenceCopyRun {

    record Result(long rows, double exportSeconds, double importSeconds) {
        double totalSeconds() {
            return exportSeconds + importSeconds;
        }

        double rowsPerSecond() {
            return rows / Math.max(totalSeconds(), 1e-3);
        }

        double importRowsPerSecond() {
            return rows / Math.max(importSeconds, 1e-3);
        }
    }

    private ReferenceCopyRun() {}

    static Result run(DemoEnvironment environment, DemoScenario scenario, Path scratch) throws SQLException, IOException {
        String referenceDb = environment.database("bench_reference");
        environment.recreateDatabase(referenceDb);
        Files.createDirectories(scratch);
        long rows = 0;
        double export = 0;
        double load = 0;
        try (Connection legacy = environment.connect(environment.database(scenario.legacyDatabase()));
             Connection target = environment.connect(referenceDb)) {
            DemoEnvironment.runScript(target, scenario.targetScript());
            int n = 0;
            for (ReferenceCopy copy : scenario.referenceCopies()) {
                Path file = scratch.resolve("reference-" + (n++) + ".tsv").toAbsolutePath();
                long start = System.nanoTime();
                try (Statement statement = legacy.createStatement()) {
                    rows += statement.executeUpdate("copy (" + copy.select() + ") to '" + file + "'");
                }
                export += (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                try (Statement statement = target.createStatement()) {
                    statement.executeUpdate("copy " + copy.targetTable() + " (" + copy.columns() + ") from '" + file + "'");
                }
                load += (System.nanoTime() - start) / 1e9;
                Files.deleteIfExists(file);
            }
        }
        environment.dropDatabase(referenceDb);
        return new Result(rows, export, load);
    }
}
