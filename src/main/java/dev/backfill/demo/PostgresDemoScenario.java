package dev.backfill.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * A demo whose legacy side is a PostgreSQL database: its resources folder holds {@code legacy.sql}
 * (tables and a {@code generate_demo(users)} function), {@code target.sql} and {@code plan.yaml}.
 * The scenario plants its messy cases after the generator ran.
 */
abstract class PostgresDemoScenario implements DemoScenario {
    private final String name;
    private final String resources;
    private final String legacyDatabase;
    private final String targetDatabase;

    PostgresDemoScenario(String name, String legacyDatabase, String targetDatabase) {
        this(name, name, legacyDatabase, targetDatabase);
    }

    /** {@code resources}: the folder holding the scripts and the plan, when several scenarios share it. */
    PostgresDemoScenario(String name, String resources, String legacyDatabase, String targetDatabase) {
        this.name = name;
        this.resources = resources;
        this.legacyDatabase = legacyDatabase;
        this.targetDatabase = targetDatabase;
    }

    /** Changes the generated data so that every planted finding is there (and the target holds what the live app added). */
    protected abstract void plant(Connection legacy, Connection target, int users) throws SQLException;

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String targetScript() {
        return root() + "target.sql";
    }

    @Override
    public final String legacyDatabase() {
        return legacyDatabase;
    }

    @Override
    public final String targetDatabase() {
        return targetDatabase;
    }

    @Override
    public final Path create(DemoEnvironment environment, int users) throws SQLException, IOException {
        String legacyDb = environment.database(legacyDatabase);
        String targetDb = environment.database(targetDatabase);
        environment.port();
        environment.recreateDatabase(legacyDb);
        environment.recreateDatabase(targetDb);
        try (Connection legacy = environment.connect(legacyDb); Connection target = environment.connect(targetDb)) {
            DemoEnvironment.runScript(legacy, root() + "legacy.sql");
            DemoEnvironment.runScript(target, root() + "target.sql");
            try (PreparedStatement generate = legacy.prepareStatement("select generate_demo(?)")) {
                generate.setInt(1, users);
                generate.execute();
            }
            plant(legacy, target, users);
            try (var statement = legacy.createStatement()) {
                statement.execute("analyze");
            }
        }
        return environment.writePlan(root() + "plan.yaml", name + ".plan.yaml",
                environment.embedded(legacyDb), environment.embedded(targetDb));
    }

    private String root() {
        return "/dev/backfill/demo/" + resources + "/";
    }
}
