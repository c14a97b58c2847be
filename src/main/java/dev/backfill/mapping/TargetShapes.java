package dev.backfill.mapping;

import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.util.HashMap;
import java.util.Map;

/** Looks every column's type up once per run instead of once per value. */
final class TargetShapes {

    private TargetShapes() {}

    static TargetShape cached(Plan plan, TargetShape shape) {
        Map<String, Map<String, ColumnType>> types = new HashMap<>();
        for (Entity entity : plan.entities()) {
            Map<String, ColumnType> columns = new HashMap<>();
            for (String column : entity.targetColumns()) {
                ColumnType type = shape.type(entity, column);
                if (type != null) {
                    columns.put(column, type);
                }
            }
            types.put(entity.name(), columns);
        }
        TargetRules rules = shape.rules();
        return new TargetShape() {
            @Override
            public ColumnType type(Entity entity, String column) {
                Map<String, ColumnType> columns = types.get(entity.name());
                return columns == null ? shape.type(entity, column) : columns.get(column);
            }

            @Override
            public TargetRules rules() {
                return rules;
            }
        };
    }
}
