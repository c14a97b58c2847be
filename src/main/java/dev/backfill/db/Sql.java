package dev.backfill.db;

import java.util.List;
import java.util.stream.Collectors;

/** The one place identifiers from a plan are quoted. Values never go into SQL text; they are bound. */
public final class Sql {

    private Sql() {}

    /** {@code "name"}, with embedded quotes doubled: reserved words like references or user just work. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** A possibly schema-qualified table name: {@code public.parts_v2} → {@code "public"."parts_v2"}. */
    public static String table(String name) {
        int dot = name.indexOf('.');
        if (dot < 0 || name.startsWith("\"")) {
            return quote(name);
        }
        return quote(name.substring(0, dot)) + "." + quote(name.substring(dot + 1));
    }

    public static String columns(List<String> names) {
        return names.stream().map(Sql::quote).collect(Collectors.joining(", "));
    }

    /**
     * A text array as a SQL literal, {@code '{"a","b"}'}: only for statements that cannot take bind
     * parameters (COPY). Every element is quoted and escaped for both the array and the string syntax.
     */
    public static String textArrayLiteral(List<String> values) {
        return "'" + textArray(values).replace("'", "''") + "'";
    }

    /** A text array in PostgreSQL's array syntax, {@code {"a","b"}}, every element quoted and escaped. */
    public static String textArray(List<String> values) {
        StringBuilder array = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                array.append(',');
            }
            array.append('"').append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return array.append('}').toString();
    }

    /** The schema part of a table name, or null when unqualified. */
    public static String schemaOf(String tableName) {
        int dot = tableName.indexOf('.');
        return dot < 0 ? null : tableName.substring(0, dot);
    }

}
