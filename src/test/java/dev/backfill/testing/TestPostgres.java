package dev.backfill.testing;

import dev.backfill.db.EmbeddedServers;
import dev.backfill.demo.DemoEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/** One real PostgreSQL per test JVM (embedded, from a Maven artifact); a fresh database per test class. */
public final class TestPostgres {
    private static final Path DATA = Path.of("target", "test-pg").toAbsolutePath();
    private static boolean started;

    private TestPostgres() {}

    public static synchronized Path dataDir() {
        if (!started) {
            if (EmbeddedServersProbe.notRunning(DATA)) {
                deleteRecursively(DATA);
            }
            EmbeddedServers.port(DATA);
            started = true;
        }
        return DATA;
    }

    public static String jdbcUrl(String database) {
        return EmbeddedServers.jdbcUrl(dataDir(), database);
    }

    /** Drops and creates a database named after the test class; returns its name. */
    public static String freshDatabase(Class<?> testClass, String suffix) {
        String name = (testClass.getSimpleName() + "_" + suffix).toLowerCase(Locale.ROOT);
        try (Connection admin = DriverManager.getConnection(jdbcUrl("postgres")); Statement statement = admin.createStatement()) {
            statement.execute("drop database if exists " + name + " with (force)");
            statement.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create test database " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    /** A second demo of the same test class, in databases and a folder of its own. */
    public static DemoEnvironment demo(Class<?> testClass, String suffix) {
        Path folder = Path.of("target", "test-demo", testClass.getSimpleName() + "-" + suffix).toAbsolutePath();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DemoEnvironment(folder, dataDir(), (testClass.getSimpleName() + "_" + suffix).toLowerCase(Locale.ROOT) + "_");
    }

    /** A demo environment for one test class: its own folder and database names, the shared server. */
    public static DemoEnvironment demo(Class<?> testClass) {
        Path folder = Path.of("target", "test-demo", testClass.getSimpleName()).toAbsolutePath();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DemoEnvironment(folder, dataDir(), testClass.getSimpleName().toLowerCase(Locale.ROOT) + "_");
    }

    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether another live process serves the folder (then it is reused, not wiped). */
    private static final class EmbeddedServersProbe {
        static boolean notRunning(Path dir) {
            Path pid = dir.resolve("postmaster.pid");
            if (!Files.exists(pid)) {
                return true;
            }
            try {
                long number = Long.parseLong(Files.readAllLines(pid).get(0).trim());
                return ProcessHandle.of(number).map(h -> !h.isAlive()).orElse(true);
            } catch (IOException | RuntimeException e) {
                return true;
            }
        }
    }
}
