package dev.backfill.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.plan.ConnectionSpec;
import dev.backfill.plan.JdbcUrls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens connection pools for a plan's PostgreSQL source and target. A source pool is read-only:
 * every connection refuses writes (PostgreSQL's default_transaction_read_only).
 */
public final class Connections {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /**
     * The driver's limits on opening one connection (TCP connect, and connect plus login), in seconds, so a
     * host that does not answer is reported within seconds. A URL's own connectTimeout/loginTimeout wins.
     */
    static final int CONNECT_TIMEOUT_SECONDS = 5;

    private Connections() {}

    public static HikariDataSource pool(ConnectionSpec spec, Secrets secrets, boolean readOnly, int size, String purpose) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("backfill-" + purpose + "-" + POOLS.incrementAndGet());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        // a lost server is a retry every few seconds (each transient retry waits this long for a connection), not every 15 s
        config.setConnectionTimeout(6_000);
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(readOnly);
        config.addDataSourceProperty("ApplicationName", "backfill-workbench " + purpose);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
        config.addDataSourceProperty("loginTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS));
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

    /**
     * Proves the server lets us in, turning the driver's error into the real cause in plain words (exit 3 on
     * the command line). The first connection is opened with the driver directly: through the pool a wrong
     * password or a missing database would only show, after the pool's whole connection timeout, as
     * "Connection is not available, request timed out".
     */
    public static void verify(HikariDataSource pool, ConnectionSpec spec, String purpose) {
        Properties properties = new Properties();
        properties.putAll(pool.getDataSourceProperties());
        if (pool.getUsername() != null) {
            properties.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            properties.setProperty("password", pool.getPassword());
        }
        try (Connection probe = DriverManager.getConnection(pool.getJdbcUrl(), properties)) {
            probe.isValid(CONNECT_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            String passwordSource = spec instanceof ConnectionSpec.Postgres postgres && postgres.password() != null
                    ? postgres.password().toString() : null;
            throw cannotConnect(purpose, spec, ConnectFailure.explain(e, pool.getJdbcUrl(), passwordSource,
                    CONNECT_TIMEOUT_SECONDS).replace(pool.getJdbcUrl(), JdbcUrls.redact(pool.getJdbcUrl())), pool.getPassword(), e);
        }
        try (Connection connection = pool.getConnection()) {
            connection.isValid(CONNECT_TIMEOUT_SECONDS);
        } catch (SQLException e) {
            throw cannotConnect(purpose, spec, e.getMessage()
                    + ". Check that the server runs, the URL and user are right, and the password is set.", pool.getPassword(), e);
        }
    }

    private static CannotConnectException cannotConnect(String purpose, ConnectionSpec spec, String reason, String password,
                                                        SQLException cause) {
        String message = "Cannot connect to the " + purpose + " (" + spec.describe() + "): " + reason;
        // The driver's messages do not echo the password (and "No suitable driver found for URL", the one that
        // echoes the URL, is redacted above); this makes sure no future one can.
        if (password != null && password.length() >= 3) {
            message = message.replace(password, "***");
        }
        return new CannotConnectException(message, cause);
    }
}
