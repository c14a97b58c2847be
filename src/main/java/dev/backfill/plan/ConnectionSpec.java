package dev.backfill.plan;

import java.nio.file.Path;

/** Where a plan reads from or writes to. Passwords are references to secrets, never values. */
public sealed interface ConnectionSpec {

    /** A PostgreSQL server reached by JDBC URL. */
    record Postgres(String jdbcUrl, String user, SecretRef password) implements ConnectionSpec {}

    /** The embedded PostgreSQL of the built-in demo, its data kept in {@code dataDir}. */
    record Embedded(Path dataDir, String database) implements ConnectionSpec {}

    /** A SQLite database file (e.g. a Cloudflare D1 export), opened read-only. */
    record Sqlite(Path file) implements ConnectionSpec {}

    /** A JSON-lines file (e.g. a mongoexport with extended JSON), one document per line. */
    record JsonLines(Path file) implements ConnectionSpec {}

    /** A short description that never contains a password: the URL with any credentials in it replaced by ***. */
    default String describe() {
        if (this instanceof Postgres p) {
            return JdbcUrls.redact(p.jdbcUrl()) + (p.user() == null ? "" : " as " + p.user());
        }
        if (this instanceof Embedded e) {
            return "embedded PostgreSQL in " + e.dataDir() + ", database " + e.database();
        }
        if (this instanceof Sqlite s) {
            return "SQLite file " + s.file();
        }
        return "JSON-lines file " + ((JsonLines) this).file();
    }

    default boolean isPostgres() {
        return this instanceof Postgres || this instanceof Embedded;
    }
}
