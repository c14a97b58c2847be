package dev.backfill.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What the target's unique indexes guarantee about a table's rows: that two rows never share the values
 * of some columns. An index counts when it is valid and unique, not partial, on plain columns only (no
 * expression), its key columns all among the given ones, each NOT NULL (or NULLS NOT DISTINCT), indexed
 * with its own collation and its type's default operator class (the equality a query's {@code =} uses: for
 * a type without one of its own, such as varchar, the default class it is indexed with, such as text's;
 * a domain with an {@code =} of its own never counts),
 * on a plain table without inheritance children (whose rows a parent's index does not hold) or on a
 * partitioned table. Such an index refuses any row that shares those columns' values with a row already
 * in the table, whatever the other columns hold.
 */
public final class UniqueIndexes {

    private UniqueIndexes() {}

    /** The name of an index that refuses a second row with the same values of {@code columns}, if the table has one. */
    public static Optional<String> covering(Connection connection, String table, List<String> columns) throws SQLException {
        boolean nullsNotDistinct = connection.getMetaData().getDatabaseMajorVersion() >= 15;
        String sql = "select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid"
                + " where i.indrelid = to_regclass(?) and i.indisunique and i.indisvalid and i.indpred is null"
                + " and (t.relkind = 'p' or (t.relkind = 'r' and not exists (select 1 from pg_inherits h where h.inhparent = t.oid)))"
                + " and not (0 = any((i.indkey::int2[])[0:i.indnkeyatts - 1]))"
                + " and (select bool_and(a.attname = any(?::text[]) and (a.attnotnull" + (nullsNotDistinct ? " or i.indnullsnotdistinct" : "")
                + ") and k.coll = a.attcollation"
                // the operator class the column's type gets by default: a default class of another type (text_ops on a
                // citext column, which has its own) compares otherwise than the column's '='
                + " and o.opcdefault and (o.opcintype = coalesce(nullif(ty.typbasetype, 0), ty.oid) or not exists (select 1 from pg_opclass d"
                + " where d.opcmethod = o.opcmethod and d.opcdefault and d.opcintype = coalesce(nullif(ty.typbasetype, 0), ty.oid)))"
                // a domain over a domain: which class its base type has by default is not known from one look at pg_type
                + " and base.typtype is distinct from 'd'"
                // a domain with an '=' of its own: a query's '=' is that one, which the base type's class does not hold
                + " and not exists (select 1 from pg_operator e where e.oprname = '=' and ty.typtype = 'd'"
                + " and (e.oprleft = ty.oid or e.oprright = ty.oid)))"
                + " from unnest((i.indkey::int2[])[0:i.indnkeyatts - 1], i.indcollation::oid[], i.indclass::oid[]) as k(attnum, coll, opclass)"
                + " join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum join pg_type ty on ty.oid = a.atttypid"
                + " join pg_opclass o on o.oid = k.opclass left join pg_type base on base.oid = ty.typbasetype)"
                + " order by i.indisprimary desc, c.relname limit 1";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, regclass(table));
            statement.setArray(2, connection.createArrayOf("text", columns.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
    }

    /** The table's name as {@code to_regclass} reads it: quoted, schema-qualified where the plan names a schema. */
    public static String regclass(String table) {
        return Sql.schemaOf(table) == null ? Sql.quote(table) : Sql.table(table);
    }
}
