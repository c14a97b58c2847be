package dev.backfill.parity;

import dev.backfill.db.UniqueIndexes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What the target's own constraints already guarantee, so that parity need not count it again over whole
 * tables: no duplicate natural key where a unique index covers it ({@link UniqueIndexes}), no orphan
 * reference where a validated, enabled foreign key covers exactly that column and the referenced id.
 * PostgreSQL refuses every row that would break them; the one way around a foreign key that the catalog cannot show is a session with
 * {@code session_replication_role = replica} (logical replication's apply), which skips its triggers.
 */
final class Guarantees {

    private Guarantees() {}

    /** The name of a foreign key that makes orphans of this reference impossible, if there is one. */
    static Optional<String> foreignKey(Connection connection, String table, String column, String referencedTable, String referencedColumn)
            throws SQLException {
        String sql = "select con.conname from pg_constraint con where con.contype = 'f' and con.conrelid = to_regclass(?)"
                + " and con.confrelid = to_regclass(?) and con.convalidated and cardinality(con.conkey) = 1"
                + " and (select a.attname from pg_attribute a where a.attrelid = con.conrelid and a.attnum = con.conkey[1]) = ?"
                + " and (select a.attname from pg_attribute a where a.attrelid = con.confrelid and a.attnum = con.confkey[1]) = ?"
                // ALTER TABLE ... DISABLE TRIGGER ALL turns a foreign key's checks off while the constraint stays listed
                + " and not exists (select 1 from pg_trigger t where t.tgconstraint = con.oid and t.tgenabled = 'D')"
                + " order by con.conname limit 1";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, UniqueIndexes.regclass(table));
            statement.setString(2, UniqueIndexes.regclass(referencedTable));
            statement.setString(3, column);
            statement.setString(4, referencedColumn);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

}
