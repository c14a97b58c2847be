package dev.backfill.mapping;

import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.util.Map;

/**
 * What every user's mapping shares in one run: the plan, the target column types, the id allocator,
 * and the ids of the shared (catalog) entities, legacy id → new id per entity.
 */
public record MappingContext(Plan plan, TargetShape shape, IdAllocator ids, Map<String, Map<String, Object>> sharedIds) {

    public ColumnType type(Entity entity, String column) {
        return shape.type(entity, column);
    }
}
