package dev.backfill.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which unique indexes refuse every second row with the same values of some columns: apply skips a look-up
 * and parity a duplicate count on their word, so an index that lets such a row through must not count.
 */
class UniqueIndexesIT {

    @Test
    void onlyAnIndexThatRefusesEverySecondRowWithTheSameValuesCounts() throws Exception {
        try (Connection connection = TestPostgres.connect(TestPostgres.freshDatabase(UniqueIndexesIT.class, "db"));
             Statement sql = connection.createStatement()) {
            sql.execute("create table plain (id int primary key, a text not null, b text not null, c text, unique (a, b))");
            sql.execute("create table partial (id int, a text not null)");
            sql.execute("create unique index partial_a on partial (a) where id > 0");
            sql.execute("create table expression (a text not null)");
            sql.execute("create unique index expression_a on expression (lower(a))");
            sql.execute("create table nullable (a text, unique (a))");
            sql.execute("create table pattern (a text not null)");
            sql.execute("create unique index pattern_a on pattern (a text_pattern_ops)");
            sql.execute("create table parent (id int primary key)");
            sql.execute("create table child () inherits (parent)");
            sql.execute("create table included (a text not null, b text not null)");
            sql.execute("create unique index included_a on included (a) include (b)");
            sql.execute("create schema other");
            sql.execute("create table other.\"Mixed\" (\"Id\" int primary key)");
            sql.execute("create table split (tenant int not null, id int not null, primary key (tenant, id)) partition by list (tenant)");
            sql.execute("create table split_1 partition of split for values in (1)");
            sql.execute("create extension if not exists citext");
            sql.execute("create table folded (a citext not null, b citext not null, c varchar(20) not null)");
            sql.execute("create unique index folded_a on folded (a text_ops)");
            sql.execute("create unique index folded_b on folded (b)");
            sql.execute("create unique index folded_c on folded (c)");
            sql.execute("create domain word as text");
            sql.execute("create domain short_word as word check (length(value) < 10)");
            sql.execute("create table worded (a word not null unique, b short_word not null unique)");
            sql.execute("create domain code as text");
            sql.execute("create function code_eq(code, code) returns boolean language sql immutable as 'select lower($1::text) = lower($2::text)'");
            sql.execute("create operator = (function = code_eq, leftarg = code, rightarg = code)");
            sql.execute("create table coded (a code not null unique)");

            assertThat(UniqueIndexes.covering(connection, "plain", List.of("id"))).contains("plain_pkey");
            assertThat(UniqueIndexes.covering(connection, "plain", List.of("a", "b"))).contains("plain_a_b_key");
            assertThat(UniqueIndexes.covering(connection, "plain", List.of("b", "a", "c"))).as("a subset of the columns")
                    .contains("plain_a_b_key");
            assertThat(UniqueIndexes.covering(connection, "plain", List.of("a"))).as("(a, b) lets two rows share a").isEmpty();
            assertThat(UniqueIndexes.covering(connection, "partial", List.of("a"))).isEmpty();
            assertThat(UniqueIndexes.covering(connection, "expression", List.of("a"))).isEmpty();
            assertThat(UniqueIndexes.covering(connection, "nullable", List.of("a"))).as("NULLs are distinct").isEmpty();
            assertThat(UniqueIndexes.covering(connection, "pattern", List.of("a"))).as("not the type's default equality").isEmpty();
            assertThat(UniqueIndexes.covering(connection, "parent", List.of("id"))).as("a child's rows are not in the parent's index")
                    .isEmpty();
            assertThat(UniqueIndexes.covering(connection, "included", List.of("a"))).as("included columns are not keys")
                    .contains("included_a");
            assertThat(UniqueIndexes.covering(connection, "included", List.of("b"))).isEmpty();
            assertThat(UniqueIndexes.covering(connection, "other.Mixed", List.of("Id"))).contains("Mixed_pkey");
            assertThat(UniqueIndexes.covering(connection, "split", List.of("tenant", "id"))).as("partitioned: held in every partition")
                    .contains("split_pkey");
            assertThat(UniqueIndexes.covering(connection, "folded", List.of("a")))
                    .as("text's class on a citext column: it tells 'Bolt' from 'bolt', citext's '=' does not").isEmpty();
            assertThat(UniqueIndexes.covering(connection, "folded", List.of("b"))).as("citext's own class").contains("folded_b");
            assertThat(UniqueIndexes.covering(connection, "folded", List.of("c"))).as("varchar has no class of its own: text's")
                    .contains("folded_c");
            assertThat(UniqueIndexes.covering(connection, "worded", List.of("a"))).as("a domain: its base type's class")
                    .contains("worded_a_key");
            assertThat(UniqueIndexes.covering(connection, "worded", List.of("b"))).as("a domain over a domain: not looked into")
                    .isEmpty();
            assertThat(UniqueIndexes.covering(connection, "coded", List.of("a")))
                    .as("a domain with its own '=': a query's 'a = …' uses that one, which text's class (the index's) does not hold")
                    .isEmpty();
        }
    }
}
