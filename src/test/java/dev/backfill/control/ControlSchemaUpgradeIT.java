package dev.backfill.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** A control schema with data in it, upgraded by a new version: what it held is found as before. */
class ControlSchemaUpgradeIT {

    @Test
    void aPopulatedDirectoryUpgradedToItsHashIndexAnswersAsBeforeForEachPlan() throws Exception {
        PGSimpleDataSource target = new PGSimpleDataSource();
        target.setUrl(TestPostgres.jdbcUrl(TestPostgres.freshDatabase(ControlSchemaUpgradeIT.class, "target")));
        Flyway.configure(ControlSchema.class.getClassLoader()).dataSource(target).schemas("backfill").defaultSchema("backfill")
                .createSchemas(true).table("schema_version").locations("classpath:dev/backfill/control/migration").target("6")
                .load().migrate();
        try (Connection connection = target.getConnection(); Statement sql = connection.createStatement()) {
            // two plans share the schema; integer-like legacy ids repeat across plans and entities
            sql.execute("insert into backfill.legacy_owners (plan, entity, legacy_id, user_key, planned)"
                    + " select p, e, g::text, p || '-user-' || (g % 7), g % 5 <> 0 from generate_series(1, 3000) g,"
                    + " unnest(array['plan-a', 'plan-b']) p, unnest(array['parts', 'sessions']) e");
        }

        ControlSchema schema = new ControlSchema("backfill");
        schema.migrate(target);

        try (Connection connection = target.getConnection()) {
            assertThat(Tables.rows(connection, "select a.amname from pg_class c join pg_am a on a.oid = c.relam"
                    + " where c.relname = 'legacy_owners_row'")).containsExactly("hash");
            assertThat(Tables.rows(connection, "select max(version) from backfill.schema_version")).containsExactly("9");
            Map<String, DirectoryStore.Owner> owners = new DirectoryStore(schema, "plan-a").owners(connection, "parts",
                    List.of("10", "14", "2999", "no such row"));
            assertThat(owners).containsOnlyKeys("10", "14", "2999");
            assertThat(owners.get("10")).isEqualTo(new DirectoryStore.Owner("plan-a-user-3", false));
            assertThat(owners.get("14")).isEqualTo(new DirectoryStore.Owner("plan-a-user-0", true));
            assertThat(new DirectoryStore(schema, "plan-b").owners(connection, "sessions", List.of("2999")).get("2999"))
                    .isEqualTo(new DirectoryStore.Owner("plan-b-user-3", true));
        }
    }
}
