package dev.backfill.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What COPY sends is what the server stores, whatever the text and wherever a buffer's end cuts it. */
class CopyIT {

    @Test
    void everyCharacterArrivesIncludingOnesThatStraddleABufferEnd() throws Exception {
        try (Connection connection = TestPostgres.connect(TestPostgres.freshDatabase(CopyIT.class, "db"));
             Statement sql = connection.createStatement()) {
            sql.execute("create table t (n int primary key, v text)");
            List<String> values = new ArrayList<>();
            // four-byte characters (a surrogate pair in Java) and two- and three-byte ones, in rows of every length up to
            // several buffers, so that some land on a flush's edge
            String mixed = "a😀é€\t\\\n";
            for (int n = 0; n < 400; n++) {
                values.add(mixed.repeat(n * 37 % 6000));
            }
            values.add("x".repeat(200_000) + "😀");
            values.add(null);
            values.add("");
            try (Copy copy = Copy.into(connection, "t", "n, v")) {
                for (int n = 0; n < values.size(); n++) {
                    copy.row(java.util.Arrays.asList(n, values.get(n)));
                }
                assertThat(copy.end()).isEqualTo(values.size());
            }
            try (ResultSet rows = sql.executeQuery("select n, v from t order by n")) {
                int n = 0;
                while (rows.next()) {
                    assertThat(rows.getInt(1)).isEqualTo(n);
                    assertThat(rows.getString(2)).as("row %d", n).isEqualTo(values.get(n));
                    n++;
                }
                assertThat(n).isEqualTo(values.size());
            }
        }
    }

    @Test
    void aLoneSurrogateArrivesAsAQuestionMarkAsJavaEncodesIt() throws Exception {
        try (Connection connection = TestPostgres.connect(TestPostgres.freshDatabase(CopyIT.class, "lone"));
             Statement sql = connection.createStatement()) {
            sql.execute("create table t (v text)");
            String lone = "before\uD83Dafter";
            try (Copy copy = Copy.into(connection, "t", "v")) {
                copy.row(List.of(lone));
                copy.end();
            }
            try (ResultSet rows = sql.executeQuery("select v from t")) {
                rows.next();
                assertThat(rows.getString(1)).isEqualTo(new String(lone.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("before?after");
            }
        }
    }
}
