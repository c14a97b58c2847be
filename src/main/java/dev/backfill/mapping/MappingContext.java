package dev.backfill.mapping;

import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.util.Map;

/**
 * What every user's mapping shares in one run: the plan, the target column types, the id allocator,
 * and the ids of the shared (catalog) entities, legacy id → new id per entity.
 */
public final class MappingContext {
    private final Plan plan;
    private final TargetShape shape;
    private final IdAllocator ids;
    private final Map<String, Map<String, Object>> sharedIds;
    private final UnmappedFields unmapped;
    private final PathCoverage coverage;
    private final RowDirectory directory;
    private final Map<String, java.util.List<dev.backfill.plan.ColumnSpec>> computed = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, java.util.List<dev.backfill.plan.ColumnSpec>> plain = new java.util.concurrent.ConcurrentHashMap<>();

    public MappingContext(Plan plan, TargetShape shape, IdAllocator ids, Map<String, Map<String, Object>> sharedIds) {
        this(plan, shape, ids, sharedIds, new PathCoverage(plan));
    }

    /** With the coverage a run collects over all its users (for the paths no record has). */
    public MappingContext(Plan plan, TargetShape shape, IdAllocator ids, Map<String, Map<String, Object>> sharedIds,
                          PathCoverage coverage) {
        this(plan, shape, ids, sharedIds, coverage, RowDirectory.WITHIN_USER);
    }

    /** With the directory that resolves references to other users' rows. */
    public MappingContext(Plan plan, TargetShape shape, IdAllocator ids, Map<String, Map<String, Object>> sharedIds,
                          PathCoverage coverage, RowDirectory directory) {
        this.directory = directory;
        this.plan = plan;
        this.shape = TargetShapes.cached(plan, shape);
        this.ids = ids;
        this.sharedIds = sharedIds;
        this.unmapped = new UnmappedFields(plan);
        this.coverage = coverage;
    }

    public Plan plan() {
        return plan;
    }

    public TargetShape shape() {
        return shape;
    }

    public RowDirectory directory() {
        return directory;
    }

    public IdAllocator ids() {
        return ids;
    }

    public Map<String, Map<String, Object>> sharedIds() {
        return sharedIds;
    }

    /** The entity's computed columns in evaluation order, worked out once per run. */
    java.util.List<dev.backfill.plan.ColumnSpec> computedColumns(Entity entity,
            java.util.function.Function<Entity, java.util.List<dev.backfill.plan.ColumnSpec>> order) {
        return computed.computeIfAbsent(entity.name(), name -> order.apply(entity));
    }

    /** The entity's columns that are not computed from other target columns, in plan order. */
    java.util.List<dev.backfill.plan.ColumnSpec> plainColumns(Entity entity) {
        return plain.computeIfAbsent(entity.name(), name -> entity.columns().stream()
                .filter(c -> c.targetColumnsUsed().isEmpty()).toList());
    }

    UnmappedFields unmapped() {
        return unmapped;
    }

    public PathCoverage coverage() {
        return coverage;
    }

    public ColumnType type(Entity entity, String column) {
        return shape.type(entity, column);
    }
}
