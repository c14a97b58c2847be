package dev.backfill.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.plan.ConnectionSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens connection pools for a plan's PostgreSQL source and target. A source pool is read-only:
 * every connection refuses writes (PostgreSQL's default_transaction_read_only).
 */
public final class Connections {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private Connections() {}

    public static HikariDataSource pool(ConnectionSpec spec, Secrets secrets, boolean readOnly, int size, String purpose) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("backfill-" + purpose + "-" + POOLS.incrementAndGet());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(15_000);
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(readOnly);
        config.addDataSourceProperty("ApplicationName", "backfill-workbench " + purpose);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        if (readOnly) {
            // Read-only, and the text forms fingerprints are made of pinned, whatever machine runs the tool.
            config.setConnectionInitSql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET TIME ZONE 'UTC';"
                    + " SET datestyle = 'ISO, MDY'; SET intervalstyle = 'postgres'; SET extra_float_digits = 1;"
                    + " SET bytea_output = 'hex'; SET standard_conforming_strings = on");
        }
        if (spec instanceof ConnectionSpec.Postgres postgres) {
            config.setJdbcUrl(postgres.jdbcUrl());
            if (postgres.user() != null) {
                config.setUsername(postgres.user());
            }
            if (postgres.password() != null) {
                config.setPassword(secrets.lookup(postgres.password()).orElseThrow(() -> new CannotConnectException(
                        "The plan's " + purpose + " password comes from " + postgres.password() + ", which is not set. "
                                + "Export it in the shell (export " + postgres.password().variable() + "=...) "
                                + "or type it in the workbench's Connections view.", null)));
            }
        } else if (spec instanceof ConnectionSpec.Embedded embedded) {
            config.setJdbcUrl(EmbeddedServers.jdbcUrl(embedded.dataDir(), embedded.database()));
        } else {
            throw new IllegalArgumentException(spec.describe() + " is not a PostgreSQL database");
        }
        return new HikariDataSource(config);
    }

    /** Opens one connection to prove the pool works, turning the driver's error into a clear message. */
    public static void verify(HikariDataSource pool, ConnectionSpec spec, String purpose) {
        try (Connection connection = pool.getConnection()) {
            connection.isValid(5);
        } catch (SQLException e) {
            throw new CannotConnectException("Cannot connect to the " + purpose + " (" + spec.describe() + "): "
                    + e.getMessage() + ". Check that the server runs, the URL and user are right, and the password is set.", e);
        }
    }
}
