package dev.backfill.parity;

import dev.backfill.db.UniqueIndexes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What the target's own constraints guarantee now, so that parity need not count it again over whole
 * tables: no duplicate natural key where a unique index covers it ({@link UniqueIndexes}), no orphan
 * reference where a validated foreign key whose triggers fire covers exactly that column and the referenced
 * id, and what a plan check names in {@code guaranteed_by}. PostgreSQL refuses every row that would break
 * them from then on. What the catalog cannot show: rows that went in while a constraint's triggers were
 * disabled and enabled again (enabling them checks nothing), and sessions with {@code session_replication_role
 * = replica} (logical replication's apply), which skip the triggers. {@code parity --count-all} counts instead.
 */
final class Guarantees {

    /**
     * A constraint's family (the constraint, and on a partitioned table its copies on every partition, at any
     * depth, whatever their schema or name), counted by what keeps a member from holding now: not validated
     * (NOT VALID, NOT ENFORCED), an index that is not valid (unique or primary key), a trigger that does not
     * fire in an ordinary session (disabled, or enabled for replicas only). {@code %s}: a query of the constraints'
     * oids (a partition's copy keeps its parent's name, so a name can match both: each member counts once).
     */
    private static final String FAMILY = "with recursive family(oid) as (%s union"
            + " select c.oid from pg_constraint c join family f on c.conparentid = f.oid)"
            + " select count(*) as members, count(*) filter (where not c.convalidated) as unvalidated,"
            + " count(*) filter (where c.contype in ('u', 'p') and not coalesce((select i.indisvalid from pg_index i"
            + " where i.indexrelid = c.conindid), false)) as invalid_index,"
            + " count(*) filter (where exists (select 1 from pg_trigger t where t.tgconstraint = c.oid and t.tgenabled not in ('O', 'A')))"
            + " as not_firing from family f join pg_constraint c on c.oid = f.oid";

    private Guarantees() {}

    /** The name of a foreign key that makes orphans of this reference impossible, if there is one. */
    static Optional<String> foreignKey(Connection connection, String table, String column, String referencedTable, String referencedColumn)
            throws SQLException {
        String sql = "select con.conname from pg_constraint con where con.contype = 'f' and con.conrelid = to_regclass(?)"
                + " and con.confrelid = to_regclass(?) and cardinality(con.conkey) = 1"
                + " and (select a.attname from pg_attribute a where a.attrelid = con.conrelid and a.attnum = con.conkey[1]) = ?"
                + " and (select a.attname from pg_attribute a where a.attrelid = con.confrelid and a.attnum = con.confkey[1]) = ?"
                // ALTER TABLE ... DISABLE TRIGGER ALL turns a foreign key's checks off while the constraint stays listed
                + " and (select x.unvalidated + x.not_firing from (" + String.format(FAMILY, "select con.oid") + ") x) = 0"
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
     * Why the named constraints do not all hold now, one line per name that does not (empty when every one is in
     * force): each name must be a constraint in the schemas of the target's search path, and it and its copies on
     * partitions must be in force ({@link #FAMILY}). A name that several tables use must hold on each.
     */
    static List<String> notInForce(Connection connection, List<String> names) throws SQLException {
        String named = "select con.oid from pg_constraint con where con.conname = n.name"
                + " and con.connamespace in (select s.oid from pg_namespace s where s.nspname = any(current_schemas(false)))";
        String sql = "select n.name, (select count(*) from (" + named + ") m), x.unvalidated, x.invalid_index, x.not_firing, x.members"
                + " from unnest(?::text[]) with ordinality n(name, ord) cross join lateral (" + String.format(FAMILY, named) + ") x"
                + " order by n.ord";
        List<String> problems = new java.util.ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("text", names.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(1);
                    if (rows.getLong(2) == 0) {
                        problems.add("no constraint '" + name + "' on the target");
                    } else if (rows.getLong(3) > 0) {
                        problems.add("constraint '" + name + "' is NOT VALID or NOT ENFORCED" + onPartitions(rows.getLong(3), rows.getLong(6)));
                    } else if (rows.getLong(4) > 0) {
                        problems.add("the index of constraint '" + name + "' is not valid" + onPartitions(rows.getLong(4), rows.getLong(6)));
                    } else if (rows.getLong(5) > 0) {
                        problems.add("constraint '" + name + "' has triggers that do not fire (disabled, or for replicas only)"
                                + onPartitions(rows.getLong(5), rows.getLong(6)));
                    }
                }
            }
        }
        return problems;
    }

    /** On a partitioned table: how many of the constraint's copies do not hold. */
    private static String onPartitions(long notHolding, long members) {
        return members > 1 ? " (" + notHolding + " of its " + members + " copies on the table and its partitions)" : "";
    }
}
