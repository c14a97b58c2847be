package dev.backfill.engine;

import com.zaxxer.hikari.HikariDataSource;
import dev.backfill.control.Control;
import dev.backfill.control.ControlSchema;
import dev.backfill.db.Connections;
import dev.backfill.db.Secrets;
import dev.backfill.db.TargetCatalog;
import dev.backfill.plan.Plan;
import dev.backfill.source.Sources;
import dev.backfill.source.SourceReader;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Everything the commands need for one plan: the target pool, the read-only source, the control
 * schema (created or upgraded on open). The workbench keeps one open; each CLI command opens its own.
 */
public final class Workspace implements AutoCloseable {
    private final Plan plan;
    private final HikariDataSource target;
    private final SourceReader source;
    private final Control control;
    private volatile TargetCatalog catalog;

    private Workspace(Plan plan, HikariDataSource target, SourceReader source, Control control) {
        this.plan = plan;
        this.target = target;
        this.source = source;
        this.control = control;
    }

    /**
     * The target pool's ceiling (opened as needed, none kept idle): the plan's lock, a heartbeat, and per
     * writer of apply one connection each for mapping, writing and claiming, at the most writers allowed
     * by default.
     */
    static final int TARGET_CONNECTIONS = 4 + 3 * 4;

    public static Workspace open(Plan plan, Secrets secrets) {
        HikariDataSource target = Connections.pool(plan.target(), secrets, false, TARGET_CONNECTIONS, "target");
        try {
            Connections.verify(target, plan.target(), "target");
            ControlSchema schema = new ControlSchema(plan.controlSchema());
            schema.migrate(target);
            SourceReader source = Sources.open(plan, secrets);
            return new Workspace(plan, target, source, new Control(target, schema, plan.name(), plan.checksum()));
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
    }

    public Plan plan() {
        return plan;
    }

    public HikariDataSource target() {
        return target;
    }

    public SourceReader source() {
        return source;
    }

    /** The plan's control schema: its stores and read services. */
    public Control control() {
        return control;
    }

    /** The target tables' definitions, read once (and again after {@link #forgetCatalog()}). */
    public TargetCatalog catalog() throws SQLException {
        TargetCatalog known = catalog;
        if (known == null) {
            try (Connection connection = target.getConnection()) {
                known = TargetCatalog.read(connection, plan);
            }
            catalog = known;
        }
        return known;
    }

    public void forgetCatalog() {
        catalog = null;
    }

    /** Who is acting, for approvals and locks: OS user at host. */
    public static String actor() {
        return System.getProperty("user.name", "unknown") + "@" + host();
    }

    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            target.close();
        }
    }
}
