package dev.backfill.parity;

import dev.backfill.db.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What the target's own constraints already guarantee, so that parity need not count it again over whole
 * tables: no duplicate natural key where a valid unique index holds a subset of the key's columns (all NOT
 * NULL, or NULLS NOT DISTINCT, with the columns' own collations), no orphan reference where a validated,
 * enabled foreign key covers exactly that column and the referenced id. PostgreSQL refuses every row that
 * would break them; the one way around a foreign key that the catalog cannot show is a session with
 * {@code session_replication_role = replica} (logical replication's apply), which skips its triggers.
 */
final class Guarantees {

    private Guarantees() {}

    /** The name of a unique index that makes duplicates of this key impossible, if there is one. */
    static Optional<String> uniqueIndex(Connection connection, String table, List<String> key) throws SQLException {
        boolean nullsNotDistinct = connection.getMetaData().getDatabaseMajorVersion() >= 15;
        String sql = "select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid"
                + " where i.indrelid = to_regclass(?) and i.indisunique and i.indisvalid and i.indpred is null"
                + " and not (0 = any((i.indkey::int2[])[0:i.indnkeyatts - 1]))"
                + " and (select bool_and(a.attname = any(?::text[]) and (a.attnotnull" + (nullsNotDistinct ? " or i.indnullsnotdistinct" : "")
                + ") and k.coll = a.attcollation) from unnest((i.indkey::int2[])[0:i.indnkeyatts - 1], i.indcollation::oid[]) as k(attnum, coll)"
                + " join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum)"
                + " order by i.indisprimary desc, c.relname limit 1";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, regclass(table));
            statement.setArray(2, connection.createArrayOf("text", key.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

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
            statement.setString(1, regclass(table));
            statement.setString(2, regclass(referencedTable));
            statement.setString(3, column);
            statement.setString(4, referencedColumn);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

    private static String regclass(String table) {
        return Sql.schemaOf(table) == null ? Sql.quote(table) : Sql.table(table);
    }
}
