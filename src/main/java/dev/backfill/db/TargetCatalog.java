package dev.backfill.db;

import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.TargetRules;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The target tables as the database defines them: column types (which drive conversion when the
 * plan gives no {@code as:}), checked against the plan before anything runs.
 */
public final class TargetCatalog {

    /** A target column: its conversion type and whether it accepts NULL. */
    public record Column(String name, ColumnType type, boolean nullable) {}

    private final Map<String, Map<String, Column>> byEntity;
    private final TargetRules rules;

    private TargetCatalog(Map<String, Map<String, Column>> byEntity, TargetRules rules) {
        this.byEntity = byEntity;
        this.rules = rules;
    }

    /** Reads every entity's table; fails with one message listing every missing table and column. */
    public static TargetCatalog read(Connection connection, Plan plan) throws SQLException {
        Map<String, Map<String, Column>> byEntity = new LinkedHashMap<>();
        Map<String, TargetRules.EntityRules> rules = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Entity entity : plan.entities()) {
            Map<String, Column> columns = columnsOf(connection, entity.into());
            if (columns.isEmpty()) {
                problems.add("entity " + entity.name() + " writes into table " + entity.into()
                        + ", which does not exist in the target (or this user cannot see it)");
                continue;
            }
            for (String column : entity.targetColumns()) {
                if (!columns.containsKey(column)) {
                    problems.add("entity " + entity.name() + ": table " + entity.into() + " has no column " + column
                            + " (it has " + String.join(", ", columns.keySet()) + ")");
                }
            }
            byEntity.put(entity.name(), columns);
            rules.put(entity.name(), rulesOf(connection, entity, columns));
        }
        if (!problems.isEmpty()) {
            throw new SQLException("The target database does not match the plan:\n- " + String.join("\n- ", problems)
                    + "\nCreate the target tables (the new schema) before running the plan, or fix the plan.", "42P01");
        }
        return new TargetCatalog(byEntity, new TargetRules(rules));
    }

    /** The table's NOT NULL columns the plan writes, its unique keys, its btree indexes (not partial, no expressions) and CHECKs. */
    private static TargetRules.EntityRules rulesOf(Connection connection, Entity entity, Map<String, Column> columns) throws SQLException {
        Set<String> notNull = new LinkedHashSet<>();
        for (String column : entity.targetColumns()) {
            Column known = columns.get(column);
            if (known != null && !known.nullable()) {
                notNull.add(column);
            }
        }
        List<TargetRules.UniqueKey> unique = new ArrayList<>();
        Map<String, List<String>> btree = new LinkedHashMap<>();
        String sql = "select c.relname, i.indisprimary, i.indisunique, am.amname, array(select a.attname from unnest(i.indkey::int2[])"
                + " with ordinality k(attnum, ord) join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.ord)"
                + " from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam"
                + " where i.indrelid = to_regclass(?) and i.indpred is null and not (0 = any(i.indkey::int2[])) order by c.relname";
        String table = entity.into();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, Sql.schemaOf(table) == null ? Sql.quote(table) : Sql.table(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    List<String> indexed = List.of((String[]) rows.getArray(5).getArray());
                    if (rows.getBoolean(3)) {
                        unique.add(new TargetRules.UniqueKey(rows.getString(1), indexed, rows.getBoolean(2)));
                    }
                    if ("btree".equals(rows.getString(4))) {
                        btree.put(rows.getString(1), indexed);
                    }
                }
            }
        }
        return new TargetRules.EntityRules(notNull, unique, btree, checksOf(connection, table));
    }

    /** The table's CHECK constraints (NOT VALID ones too: they hold for new rows), with the columns each reads. */
    private static List<TargetRules.Check> checksOf(Connection connection, String table) throws SQLException {
        String sql = "select c.conname, pg_get_expr(c.conbin, c.conrelid),"
                + " array(select a.attname from unnest(c.conkey) with ordinality k(attnum, ord) join pg_attribute a"
                + " on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.ord),"
                + " array(select format_type(a.atttypid, a.atttypmod) from unnest(c.conkey) with ordinality k(attnum, ord)"
                + " join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum order by k.ord)"
                + " from pg_constraint c where c.conrelid = to_regclass(?) and c.contype = 'c' order by c.conname";
        List<TargetRules.Check> checks = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, Sql.schemaOf(table) == null ? Sql.quote(table) : Sql.table(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    checks.add(new TargetRules.Check(rows.getString(1), rows.getString(2),
                            List.of((String[]) rows.getArray(3).getArray()), List.of((String[]) rows.getArray(4).getArray())));
                }
            }
        }
        return checks;
    }

    /**
     * The foreign keys, from any table of the target (the plan's own and the live app's), that
     * reference a table the plan writes and that no index of the referencing table serves. Read anew
     * on every call (one query): a DBA creates the index between two dry runs.
     *
     * <p>When a referenced row is deleted PostgreSQL runs {@code SELECT 1 FROM t WHERE $1 = col1 AND
     * ...} on the referencing table. An index serves it when it is valid and not partial, is a btree
     * (or a hash, which has one column), and its first N key columns are the foreign key's N columns
     * in any order, each with the column's own collation and an operator family that holds the
     * constraint's equality operator the way round the check uses it. Anything else (an expression, a
     * GiST index, a foreign key column further right) is reported: a needless index costs less than a
     * rollback that scans a table per row. A partitioned table's index counts once it is valid, which
     * is when every partition has one. Foreign keys PostgreSQL does not enforce (PostgreSQL 18's NOT
     * ENFORCED) check nothing and are left out.
     */
    public static List<UnindexedForeignKey> unindexedForeignKeys(Connection connection, Plan plan) throws SQLException {
        Set<String> tables = new LinkedHashSet<>();
        for (Entity entity : plan.entities()) {
            tables.add(Sql.schemaOf(entity.into()) == null ? Sql.quote(entity.into()) : Sql.table(entity.into()));
        }
        // conenforced exists from PostgreSQL 18 on; read through to_jsonb so that older servers parse the query too
        String sql = """
                with fks as (
                    select con.oid, con.conname, con.conrelid, con.confrelid, con.conkey, con.conpfeqop
                    from pg_constraint con
                    where con.contype = 'f' and con.conparentid = 0
                      and coalesce((to_jsonb(con) ->> 'conenforced')::boolean, true)
                      and con.confrelid in (select to_regclass(t) from unnest(?::text[]) t)
                ),
                fk_columns as (
                    -- the check compares $1 = column: an index on the column serves it through the commutator
                    select fks.oid as con, f.ord, f.attnum, a.attname, a.attcollation, op.oprcom as fk_eq
                    from fks
                    cross join lateral unnest(fks.conkey, fks.conpfeqop) with ordinality f(attnum, eqop, ord)
                    join pg_attribute a on a.attrelid = fks.conrelid and a.attnum = f.attnum
                    join pg_operator op on op.oid = f.eqop
                )
                select fks.conname, quote_ident(fn.nspname) || '.' || quote_ident(fc.relname), fc.relkind = 'p',
                       quote_ident(rn.nspname) || '.' || quote_ident(rc.relname),
                       array(select c.attname from fk_columns c where c.con = fks.oid order by c.ord),
                       array(select quote_ident(c.attname) from fk_columns c where c.con = fks.oid order by c.ord)
                from fks
                join pg_class fc on fc.oid = fks.conrelid join pg_namespace fn on fn.oid = fc.relnamespace
                join pg_class rc on rc.oid = fks.confrelid join pg_namespace rn on rn.oid = rc.relnamespace
                where not exists (
                    select 1
                    from pg_index i
                    join pg_class ic on ic.oid = i.indexrelid
                    join pg_am am on am.oid = ic.relam
                    cross join lateral (
                        select count(distinct k.ord) as positions, count(distinct c.ord) as columns
                        from unnest(i.indkey::int2[], i.indclass::oid[], i.indcollation::oid[])
                            with ordinality k(attnum, opclass, coll, ord)
                        join pg_opclass oc on oc.oid = k.opclass
                        join fk_columns c on c.con = fks.oid and c.attnum = k.attnum and c.attcollation = k.coll
                        where k.ord <= cardinality(fks.conkey)
                          and exists (select 1 from pg_amop o where o.amopfamily = oc.opcfamily and o.amopopr = c.fk_eq)
                    ) served
                    where i.indrelid = fks.conrelid and i.indisvalid and i.indisready and i.indislive and i.indpred is null
                      and am.amname in ('btree', 'hash') and i.indnkeyatts >= cardinality(fks.conkey)
                      and served.positions = cardinality(fks.conkey) and served.columns = cardinality(fks.conkey)
                )
                order by 2, 1""";
        List<UnindexedForeignKey> found = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, Sql.textArray(List.copyOf(tables)));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String table = rows.getString(2);
                    boolean partitioned = rows.getBoolean(3);
                    List<String> quoted = List.of((String[]) rows.getArray(6).getArray());
                    String create = "CREATE INDEX " + (partitioned ? "" : "CONCURRENTLY ") + "ON " + table + " ("
                            + String.join(", ", quoted) + ");";
                    found.add(new UnindexedForeignKey(rows.getString(1), table, List.of((String[]) rows.getArray(5).getArray()),
                            rows.getString(4), partitioned, create));
                }
            }
        }
        return found;
    }

    private static Map<String, Column> columnsOf(Connection connection, String table) throws SQLException {
        String schema = Sql.schemaOf(table);
        String sql = "select a.attname, t.typname, "
                + "format_type(a.atttypid, a.atttypmod) as sql_type, not a.attnotnull as nullable "
                + "from pg_attribute a join pg_type t on t.oid = a.atttypid "
                                + "where a.attrelid = to_regclass(?) and a.attnum > 0 and not a.attisdropped order by a.attnum";
        Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, schema == null ? Sql.quote(table) : Sql.table(table));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    String name = rows.getString(1);
                    String typeName = rows.getString(2);
                    String sqlType = rows.getString(3);
                    // enums, domains and other types are written as text and cast to their own type
                    Coercion coercion = Coercion.fromPostgresType(typeName).orElse(Coercion.TEXT);
                    columns.put(name, new Column(name, new ColumnType(coercion, sqlType), rows.getBoolean(4)));
                }
            }
        }
        return columns;
    }

    /** The types the mapping converts to (the plan's {@code as:} wins) and the target's constraints. */
    public TargetShape shape() {
        Map<String, Map<String, ColumnType>> types = new LinkedHashMap<>();
        byEntity.forEach((entity, columns) -> {
            Map<String, ColumnType> typed = new LinkedHashMap<>();
            columns.forEach((name, column) -> typed.put(name, column.type()));
            types.put(entity, typed);
        });
        TargetShape typed = TargetShape.of(types);
        return new TargetShape() {
            @Override
            public ColumnType type(Entity entity, String column) {
                return typed.type(entity, column);
            }

            @Override
            public TargetRules rules() {
                return rules;
            }
        };
    }

    /** The target's own column types, whatever the plan's {@code as:} says: what parity compares. */
    public TargetShape storedShape() {
        return (entity, column) -> {
            Column known = column(entity.name(), column);
            return known == null ? null : known.type();
        };
    }

    public Column column(String entity, String column) {
        return byEntity.getOrDefault(entity, Map.of()).get(column);
    }
}
