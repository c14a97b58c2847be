package dev.backfill.mapping;

import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import java.util.Map;

/**
 * The target column types the mapping converts to, per entity and column. Built by the engine from
 * the target database's catalog; an explicit {@code as:} in the plan always wins.
 */
public interface TargetShape {

    /** The type of a target column, or null when neither the plan nor the target says. */
    ColumnType type(Entity entity, String column);

    /** What the target's constraints refuse (NOT NULL, unique keys, index entry sizes); none unless read from a target. */
    default TargetRules rules() {
        return TargetRules.NONE;
    }

    /** Whether each of the columns has a type in both shapes, the same SQL type (e.g. as written and as stored). */
    static boolean sameSqlTypes(TargetShape one, TargetShape other, Entity entity, java.util.Collection<String> columns) {
        for (String column : columns) {
            ColumnType a = one.type(entity, column);
            ColumnType b = other.type(entity, column);
            if (a == null || b == null || !a.sqlType().equals(b.sqlType())) {
                return false;
            }
        }
        return true;
    }

    /** A shape that only knows what the plan's {@code as:} says (for pure tests and previews without a target). */
    static TargetShape fromPlanOnly() {
        return (entity, column) -> entity.column(column)
                .map(ColumnSpec::as)
                .map(ColumnType::of)
                .orElse(null);
    }

    /** A shape from known catalog types: {@code tableTypes.get(entityName).get(column)}. */
    static TargetShape of(Map<String, Map<String, ColumnType>> typesByEntity) {
        return (entity, column) -> {
            ColumnType explicit = entity.column(column).map(ColumnSpec::as).map(ColumnType::of).orElse(null);
            if (explicit != null) {
                ColumnType catalog = typesByEntity.getOrDefault(entity.name(), Map.of()).get(column);
                // keep the catalog's SQL type for the cast when the plan's coercion matches it
                return catalog != null && catalog.coercion() == explicit.coercion() ? catalog : explicit;
            }
            return typesByEntity.getOrDefault(entity.name(), Map.of()).get(column);
        };
    }
}
