package dev.backfill.demo;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

/**
 * A bundled demo: legacy data for any number of users with the scenario's messy cases planted, an
 * empty target schema, and the plan that migrates one into the other.
 */
public interface DemoScenario {

    /** Short name for {@code demo --scenario NAME}. */
    String name();

    String title();

    /** What the scenario migrates, in a sentence or two. */
    String description();

    /** Creates the legacy data and the empty target, and writes the plan; returns the plan file. */
    Path create(DemoEnvironment environment, int users) throws SQLException, java.io.IOException;

    /** The findings a dry run must report for {@code users} users, exactly. */
    List<PlantedFinding> planted(int users);

    /** The target schema script, for the benchmark's reference copy into an identical empty schema. */
    String targetScript();

    /** The benchmark reference: per target table, the plain SQL equivalent of the plan (empty if not benchmarked). */
    default List<ReferenceCopy> referenceCopies() {
        return List.of();
    }

    /** The legacy database of a PostgreSQL demo (without the environment's prefix), or null. */
    default String legacyDatabase() {
        return null;
    }

    /** The target database (without the environment's prefix). */
    String targetDatabase();
}
