package dev.backfill.engine;

import dev.backfill.control.DryRunStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.Streams;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserMapping;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SourceSpec;
import dev.backfill.source.SourceReader;
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads what a chunk of users (or the shared catalog rows) needs from every stream of the plan. */
final class SourceChunks {
    private final Plan plan;
    private final SourceReader source;

    SourceChunks(Workspace workspace) {
        this(workspace.plan(), workspace.source());
    }

    /** Reads the streams of {@code plan} (which may be an edited plan, not the workspace's) from {@code source}. */
    SourceChunks(Plan plan, SourceReader source) {
        this.plan = plan;
        this.source = source;
    }

    /** Stream key → user → rows, for these users. */
    Map<String, Map<String, UserRows>> users(List<String> users) {
        Map<String, Map<String, UserRows>> rows = new LinkedHashMap<>();
        for (Map.Entry<String, SourceSpec> stream : Streams.of(plan, false).entrySet()) {
            rows.put(stream.getKey(), users.isEmpty() ? Map.of() : source.rows(stream.getValue(), users));
        }
        return rows;
    }

    /** Stream key → the shared pseudo-user → every row of the shared streams. */
    Map<String, Map<String, UserRows>> shared() {
        Map<String, Map<String, UserRows>> rows = new LinkedHashMap<>();
        for (Map.Entry<String, SourceSpec> stream : Streams.of(plan, true).entrySet()) {
            rows.put(stream.getKey(), Map.of(DryRunStore.SHARED_USER, source.allRows(stream.getValue())));
        }
        return rows;
    }

    /** Maps the shared entities (catalogs) as the pseudo-user {@link DryRunStore#SHARED_USER}. */
    UserMapping mapShared(Connection connection, TargetShape shape, IdMapStore ids, Set<String> emptyTargets) throws SQLException {
        return mapSharedAgainstTarget(connection, shape, ids, emptyTargets, new PathCoverage(plan)).mapping();
    }

    /** As {@link #mapShared}, with which target rows the shared rows met, noting in {@code coverage} which fields they have. */
    MappedUser mapSharedAgainstTarget(Connection connection, TargetShape shape, IdMapStore ids, Set<String> emptyTargets,
                                      PathCoverage coverage)
            throws SQLException {
        MappingContext context = new MappingContext(plan, shape, ids, Map.of(), coverage);
        return new ChunkMapper(context, ids, emptyTargets).map(connection, List.of(DryRunStore.SHARED_USER), shared(),
                sharedEntities(plan)).get(0);
    }

    static List<Entity> sharedEntities(Plan plan) {
        return plan.entities().stream().filter(Entity::shared).toList();
    }

    static List<Entity> userEntities(Plan plan) {
        return plan.entities().stream().filter(e -> !e.shared()).toList();
    }
}
