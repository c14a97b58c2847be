package dev.backfill.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The planner's plan for a join of ledger keys (from jsonb_array_elements, estimated at 100 per ledger row)
 * to a large target table: a hash of the whole table, unless {@link IndexJoins} keeps it on the index.
 */
class IndexJoinsIT {
    private static final String JOIN = "explain select t.payload from (select k.value as key from ledger l"
            + " cross join lateral jsonb_array_elements(l.row_keys) k where l.batch = 3) d join target t on t.id = (d.key->>0)::int";

    @Test
    void keysFromTheLedgerAreLookedUpByIndexOnlyWhereAskedAndTheSettingsAreBackAfterwards() throws Exception {
        try (Connection connection = TestPostgres.connect(TestPostgres.freshDatabase(IndexJoinsIT.class, "db"));
             Statement sql = connection.createStatement()) {
            sql.execute("create table target (id int primary key, payload text)");
            sql.execute("insert into target select g, repeat('x', 200) from generate_series(1, 200000) g");
            sql.execute("create table ledger (batch int, row_keys jsonb)");
            sql.execute("create index on ledger (batch)");
            sql.execute("insert into ledger select g / 5000, (select jsonb_agg(jsonb_build_array(g * 4 + i)) from generate_series(0, 3) i)"
                    + " from generate_series(1, 50000) g");
            sql.execute("analyze target");
            sql.execute("analyze ledger");

            assertThat(plan(sql)).as("the planner's own choice: 100 keys per ledger row expected, a hash of the whole table")
                    .contains("Hash Join").contains("Seq Scan on target");
            try (IndexJoins ignored = IndexJoins.on(connection, true)) {
                assertThat(plan(sql)).contains("Nested Loop").contains("Index Scan using target_pkey").doesNotContain("Seq Scan on target");
            }
            assertThat(plan(sql)).as("reset afterwards").contains("Hash Join");
            try (IndexJoins ignored = IndexJoins.on(connection, false)) {
                assertThat(plan(sql)).as("no index to look keys up by: left to the planner").contains("Hash Join");
            }
        }
    }

    private static String plan(Statement sql) throws Exception {
        List<String> lines = new ArrayList<>();
        try (ResultSet rows = sql.executeQuery(JOIN)) {
            while (rows.next()) {
                lines.add(rows.getString(1));
            }
        }
        return String.join("\n", lines);
    }
}
