package dev.backfill.db;

import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.RowHash;
import dev.backfill.plan.Coercion;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL side of {@link RowHash}: an expression PostgreSQL evaluates per target row that yields the
 * same 60-bit number Java computes from the planned values with {@code ValueText.hashText}.
 */
public final class ChecksumSql {

    private ChecksumSql() {}

    /** The hash text of one column, as {@code ValueText.hashText} renders the same value. */
    public static String columnText(String alias, String column, ColumnType type) {
        String ref = alias + "." + Sql.quote(column);
        Coercion coercion = type == null ? Coercion.TEXT : type.coercion();
        return switch (coercion) {
            case NUMERIC -> "trim_scale(" + ref + ")::text";
            case REAL, DOUBLE -> "trim_scale(" + ref + "::numeric)::text";
            case TIMESTAMPTZ, TIMESTAMP -> "trim_scale(extract(epoch from " + ref + "))::text";
            case TEXT_ARRAY, UUID_ARRAY, INTEGER_ARRAY, BIGINT_ARRAY -> "array_to_json(" + ref + ")::text";
            default -> ref + "::text";
        };
    }

    /** A bigint expression: the row's hash. */
    public static String rowHash(String alias, List<String> columns, List<ColumnType> types) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            parts.add("coalesce(" + columnText(alias, columns.get(i), types.get(i)) + ", " + literalChar(RowHash.NULL) + ")");
        }
        return "('x' || substr(md5(concat_ws(" + literalChar(RowHash.SEPARATOR) + ", " + String.join(", ", parts)
                + ")), 1, 15))::bit(60)::bigint";
    }

    /**
     * A text expression: the first 8 hex digits of each column's md5, in column order, as
     * {@code RowHash.columnHashes} computes them from the written values. Rollback compares them to
     * tell which columns of a row the live app changed.
     */
    public static String columnHashes(String alias, List<String> columns, List<ColumnType> types) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            parts.add("substr(md5(coalesce(" + columnText(alias, columns.get(i), types.get(i)) + ", " + literalChar(RowHash.NULL)
                    + ")), 1, " + RowHash.COLUMN_HASH_DIGITS + ")");
        }
        return "concat(" + String.join(", ", parts) + ")";
    }

    private static String literalChar(char c) {
        return "chr(" + (int) c + ")";
    }
}
