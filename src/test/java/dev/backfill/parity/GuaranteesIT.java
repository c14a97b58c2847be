package dev.backfill.parity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When the target's constraints make a check 0 now, and when they do not: on a plain table and on a partitioned
 * one whose partitions carry copies of the constraint, in other schemas and under other names.
 */
class GuaranteesIT {
    private static Connection connection;

    @BeforeAll
    static void schema() throws SQLException {
        connection = TestPostgres.connect(TestPostgres.freshDatabase(GuaranteesIT.class, "catalog"));
        execute("create table parent (id int primary key)");
        execute("create table child (id int primary key, parent_id int constraint child_parent references parent (id))");
        execute("create table events (id int, parent_id int constraint events_parent references parent (id)) partition by range (id)");
        execute("create schema archive");
        execute("create table archive.events_old partition of events for values from (0) to (100)");
        execute("create table events_new partition of events for values from (100) to (200)");
    }

    @AfterAll
    static void close() throws SQLException {
        connection.close();
    }

    @Test
    void constraintsInForceGuaranteeAndMissingOnesDoNot() throws SQLException {
        assertThat(Guarantees.notInForce(connection, List.of("child_parent", "events_parent", "parent_pkey"))).isEmpty();
        assertThat(Guarantees.foreignKey(connection, "child", "parent_id", "parent", "id")).contains("child_parent");
        assertThat(Guarantees.notInForce(connection, List.of("child_parent", "no_such_fk")))
                .containsExactly("no constraint 'no_such_fk' on the target");
    }

    @Test
    void triggersForReplicasOnlyDoNotGuarantee() throws SQLException {
        String trigger = oneTriggerOf("child_parent");
        try {
            execute("alter table child enable replica trigger \"" + trigger + "\"");
            assertThat(Guarantees.notInForce(connection, List.of("child_parent")))
                    .containsExactly("constraint 'child_parent' has triggers that do not fire (disabled, or for replicas only)");
            assertThat(Guarantees.foreignKey(connection, "child", "parent_id", "parent", "id")).isEmpty();
        } finally {
            execute("alter table child enable trigger \"" + trigger + "\"");
        }
    }

    @Test
    void aPartitionInAnotherSchemaWithItsTriggersDisabledBreaksTheGuarantee() throws SQLException {
        try {
            execute("alter table archive.events_old disable trigger all");
            assertThat(Guarantees.notInForce(connection, List.of("events_parent"))).containsExactly("constraint 'events_parent' has"
                    + " triggers that do not fire (disabled, or for replicas only) (1 of its 3 copies on the table and its partitions)");
            assertThat(Guarantees.foreignKey(connection, "events", "parent_id", "parent", "id")).isEmpty();
        } finally {
            execute("alter table archive.events_old enable trigger all");
        }
        assertThat(Guarantees.foreignKey(connection, "events", "parent_id", "parent", "id")).contains("events_parent");
    }

    @Test
    void aPartitionAttachedWithItsOwnForeignKeyIsPartOfTheFamily() throws SQLException {
        execute("create table events_late (id int, parent_id int constraint my_own_fk references parent (id))");
        execute("alter table events attach partition events_late for values from (200) to (300)");
        try {
            execute("alter table events_late disable trigger all");
            assertThat(Guarantees.notInForce(connection, List.of("events_parent"))).singleElement().asString()
                    .contains("has triggers that do not fire").contains("1 of its 4 copies");
        } finally {
            execute("alter table events detach partition events_late");
            execute("drop table events_late");
        }
    }

    @Test
    void notValidConstraintsDoNotGuarantee() throws SQLException {
        execute("alter table child add constraint child_positive check (id > 0) not valid");
        try {
            assertThat(Guarantees.notInForce(connection, List.of("child_positive")))
                    .containsExactly("constraint 'child_positive' is NOT VALID or NOT ENFORCED");
        } finally {
            execute("alter table child drop constraint child_positive");
        }
    }

    private static String oneTriggerOf(String constraint) throws SQLException {
        try (Statement statement = connection.createStatement();
             var rows = statement.executeQuery("select t.tgname from pg_trigger t join pg_constraint c on c.oid = t.tgconstraint"
                     + " where c.conname = '" + constraint + "' and t.tgrelid = 'child'::regclass limit 1")) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
