package dev.backfill.source;

import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.db.Connections;
import dev.backfill.db.Secrets;
import dev.backfill.plan.ConnectionSpec;
import dev.backfill.plan.Plan;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the reader for a plan's source. Every reader is read-only. */
public final class Sources {

    private Sources() {}

    public static SourceReader open(Plan plan, Secrets secrets) {
        ConnectionSpec spec = plan.source();
        if (spec.isPostgres()) {
            HikariDataSource pool = Connections.pool(spec, secrets, true, poolSize(plan), "source");
            try {
                Connections.verify(pool, spec, "source");
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
            return new PostgresSource(pool, spec.describe());
        }
        if (spec instanceof ConnectionSpec.Sqlite sqlite) {
            requireReadableFile(sqlite.file(), "SQLite file", "sqlite");
            return new SqliteSource(sqlite.file());
        }
        if (spec instanceof ConnectionSpec.JsonLines lines) {
            requireReadableFile(lines.file(), "JSON-lines file", "jsonl");
            return new JsonLinesSource(lines.file());
        }
        throw new UnsupportedOperationException("source " + spec.describe() + " is not supported by this build");
    }

    /**
     * Connections of a PostgreSQL source: a full dry run reads every stream at once, each on its own connection held
     * to the end, and reads a stream's columns on another one while the streams before it are read; 4 at least.
     */
    static int poolSize(Plan plan) {
        long streams = plan.entities().stream().map(e -> e.from().streamKey()).distinct().count();
        // apply's writers (up to 4 by default) each read a chunk's streams at once
        return (int) Math.max(4, streams + 2) + 3 * (int) streams;
    }

    /**
     * Fails with a message naming the path and what to do unless it is an existing, readable regular file.
     *
     * @param what    e.g. "SQLite file"
     * @param planKey the key of the plan's source naming the file, e.g. "sqlite"
     */
    static void requireReadableFile(Path file, String what, String planKey) {
        String where = " Check 'source: { " + planKey + ": ... }' in the plan (a relative path is read from the plan file's folder).";
        if (!Files.exists(file)) {
            throw new SourceException("The " + what + " " + file.toAbsolutePath() + " does not exist." + where, null);
        }
        if (Files.isDirectory(file)) {
            throw new SourceException("The " + what + " " + file.toAbsolutePath() + " is a folder, not a file." + where, null);
        }
        if (!Files.isRegularFile(file)) {
            throw new SourceException("The " + what + " " + file.toAbsolutePath() + " is not a regular file." + where, null);
        }
        if (!Files.isReadable(file)) {
            throw new SourceException("The " + what + " " + file.toAbsolutePath()
                    + " cannot be read by this user: check its permissions (it is only ever read, never written).", null);
        }
    }
}
