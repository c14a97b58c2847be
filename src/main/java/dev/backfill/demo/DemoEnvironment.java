package dev.backfill.demo;

import dev.backfill.control.Control;
import dev.backfill.db.EmbeddedServers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a demo lives: a folder holding the embedded PostgreSQL's data ({@code pg/}), the plan files
 * and any legacy files (SQLite, JSON lines). Everything a demo creates stays inside it.
 */
public final class DemoEnvironment {
    private final Path folder;
    private final Path dataDir;
    private final String prefix;

    public DemoEnvironment(Path folder) {
        this(folder, folder.resolve("pg"), "");
    }

    /** A demo whose databases are named {@code prefix + name}, on the server of {@code dataDir} (tests share one). */
    public DemoEnvironment(Path folder, Path dataDir, String prefix) {
        this.folder = folder.toAbsolutePath().normalize();
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.prefix = prefix;
    }

    /** The name a demo database really gets. */
    public String database(String name) {
        return prefix + name;
    }

    public Path folder() {
        return folder;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Starts (or finds) the embedded server. */
    public int port() {
        return EmbeddedServers.port(dataDir());
    }

    public String jdbcUrl(String database) {
        return EmbeddedServers.jdbcUrl(dataDir(), database);
    }

    /** Drops and creates a database, so a demo can be generated again from scratch. */
    public void recreateDatabase(String database) throws SQLException {
        try (Connection admin = DriverManager.getConnection(jdbcUrl("postgres")); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + database + " with (force)");
            statement.execute("create database " + database);
        }
    }

    public void dropDatabase(String database) throws SQLException {
        try (Connection admin = DriverManager.getConnection(jdbcUrl("postgres")); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + database + " with (force)");
        }
    }

    /**
     * The batches applied (or being applied) in a demo database, as "plan 'p': batch 1 APPLIED", in every
     * control schema it holds; empty if the database does not exist. Recreating the database would lose them.
     */
    public List<String> appliedBatches(String database) throws SQLException {
        try (Connection admin = DriverManager.getConnection(jdbcUrl("postgres"));
             PreparedStatement exists = admin.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, database);
            try (ResultSet found = exists.executeQuery()) {
                if (!found.next()) {
                    return List.of();
                }
            }
        }
        try (Connection connection = connect(database)) {
            return Control.batchesWithWrittenRows(connection);
        }
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    /** Runs a SQL script from the classpath (statements separated by semicolons at line ends, $$ bodies allowed). */
    public static void runScript(Connection connection, String resource) throws SQLException, IOException {
        try (InputStream in = DemoEnvironment.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("demo script " + resource + " is missing from the build");
            }
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            try (Statement statement = connection.createStatement()) {
                statement.execute(script);
            }
        }
    }

    /** Reads a plan template from the classpath and writes it next to the demo data with its connections filled in. */
    public Path writePlan(String resource, String fileName, String source, String target) throws IOException {
        try (InputStream in = DemoEnvironment.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("demo plan " + resource + " is missing from the build");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("${SOURCE}", source)
                    .replace("${TARGET}", target);
            Files.createDirectories(folder);
            Path plan = folder.resolve(fileName);
            Files.writeString(plan, text, StandardCharsets.UTF_8);
            return plan;
        }
    }

    /** The YAML for an embedded database of this demo, with the data folder relative to the plan file. */
    public String embedded(String database) {
        return "{ embedded: \"" + folder.relativize(dataDir).toString().replace('\\', '/') + "\", database: " + database + " }";
    }
}
