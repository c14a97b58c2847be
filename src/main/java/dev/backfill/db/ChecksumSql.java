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

    /**
     * A bigint expression: a 64-bit hash of the row's identity values, with PostgreSQL's own hash functions
     * ({@code hash_record_extended}). Apply records the sum over the rows it wrote; parity compares it with
     * the sum over the rows that still carry apply's transaction id, so an extra or a missing row shows.
     */
    public static String keyHash(String alias, List<String> columns, List<ColumnType> types) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            parts.add(hashable(alias, columns.get(i), types.get(i)));
        }
        return "hash_record_extended(row(" + String.join(", ", parts) + "), 0)";
    }

    /**
     * The column as a value PostgreSQL can hash: itself for the types the tool converts to (each has a hash
     * function), its text for the others (json has none; enums, domains and other types are compared as
     * the text the tool wrote).
     */
    private static String hashable(String alias, String column, ColumnType type) {
        String ref = alias + "." + Sql.quote(column);
        if (type == null || type.coercion() == Coercion.JSON) {
            return ref + "::text";
        }
        if (type.coercion() == Coercion.TEXT) {
            String sql = type.sqlType().toLowerCase(java.util.Locale.ROOT);
            boolean text = sql.equals("text") || sql.startsWith("character varying") || sql.startsWith("varchar");
            return text ? ref : ref + "::text";
        }
        return ref;
    }

    private static String literalChar(char c) {
        return "chr(" + (int) c + ")";
    }
}
