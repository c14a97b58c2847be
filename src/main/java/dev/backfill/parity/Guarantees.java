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

    /**
     * Why the named constraints do not all hold over their tables now, one line per constraint that does not
     * (empty when every one is in force): a constraint of that name in the schemas of the target's search path,
     * validated (neither {@code NOT VALID} nor {@code NOT ENFORCED}), with its index valid for a unique or
     * primary key, and its triggers enabled for a foreign key. A name that several tables use must hold on each.
     */
    static List<String> notInForce(Connection connection, List<String> names) throws SQLException {
        String sql = "select n.name, count(con.oid), count(con.oid) filter (where not con.convalidated),"
                + " count(con.oid) filter (where con.contype in ('u', 'p') and not coalesce((select i.indisvalid from pg_index i"
                + " where i.indexrelid = con.conindid), false)),"
                + " count(con.oid) filter (where exists (select 1 from pg_trigger t where t.tgconstraint = con.oid and t.tgenabled = 'D'))"
                + " from unnest(?::text[]) with ordinality n(name, ord) left join pg_constraint con on con.conname = n.name"
                + " and con.connamespace in (select s.oid from pg_namespace s where s.nspname = any(current_schemas(false)))"
                + " group by n.name, n.ord order by n.ord";
        List<String> problems = new java.util.ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("text", names.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(1);
                    if (rows.getLong(2) == 0) {
                        problems.add("no constraint '" + name + "' on the target");
                    } else if (rows.getLong(3) > 0) {
                        problems.add("constraint '" + name + "' is NOT VALID or NOT ENFORCED");
                    } else if (rows.getLong(4) > 0) {
                        problems.add("the index of constraint '" + name + "' is not valid");
                    } else if (rows.getLong(5) > 0) {
                        problems.add("foreign key '" + name + "' has its triggers disabled");
                    }
                }
            }
        }
        return problems;
    }
}
