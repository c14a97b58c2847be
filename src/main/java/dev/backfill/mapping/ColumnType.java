package dev.backfill.mapping;

import dev.backfill.plan.Coercion;

/**
 * The type a target column's values are converted to, and the SQL type they are cast to.
 * {@code sqlType} differs from the coercion's own name for types the tool writes as text,
 * such as enums ({@code "mood"}) or varchar(40).
 */
public record ColumnType(Coercion coercion, String sqlType) {

    public static ColumnType of(Coercion coercion) {
        return new ColumnType(coercion, coercion.sqlName());
    }
}
