package dev.backfill.control;

import dev.backfill.db.Sql;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/** The control schema in the target database, created and versioned with Flyway. */
public final class ControlSchema {
    private final String schema;

    public ControlSchema(String schema) {
        if (!schema.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("control_schema '" + schema
                    + "' must be a lower-case name (letters, digits, '_'), e.g. backfill");
        }
        this.schema = schema;
    }

    /** Creates the schema or brings it to the current version. Safe to call on every start. */
    public void migrate(DataSource target) {
        try {
            Flyway.configure(ControlSchema.class.getClassLoader())
                    .dataSource(target)
                    .schemas(schema)
                    .defaultSchema(schema)
                    .createSchemas(true)
                    .table("schema_version")
                    .locations("classpath:dev/backfill/control/migration")
                    .loggers("slf4j")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new ControlSchemaException("Could not create or upgrade the control schema '" + schema
                    + "' in the target database: " + e.getMessage()
                    + ". The target user needs CREATE on the database (or create the schema for it).", e);
        }
    }

    public String name() {
        return schema;
    }

    /** A control table's qualified name, e.g. {@code "backfill"."users"}. */
    String table(String name) {
        return Sql.quote(schema) + "." + Sql.quote(name);
    }
}
