package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.BatchStore;
import dev.backfill.control.DryRunStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.control.PlanLock;
import dev.backfill.control.Runs;
import dev.backfill.db.Transactions;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserMapping;
import dev.backfill.mapping.UserResult;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SourceSpec;
import dev.backfill.mapping.Streams;
import dev.backfill.source.SourceReader;
import dev.backfill.source.UserKeys;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dry run: streams the source user by user, maps, looks the planned rows up in the target, and
 * stores per user the counts, findings and legacy fingerprint in the control schema. It writes
 * nothing else: not the target tables, not the source.
 */
public final class DryRun {
    private static final int ROWS_WITHOUT_USER_REPORTED = 1_000;

    /** @param user only this user (re-review after a change), or null for every user */
    public record Options(String user, int chunkUsers) {
        public static Options all() {
            return new Options(null, 500);
        }

        public static Options single(String user) {
            return new Options(user, 1);
        }
    }

    public record Result(long runId, long users, long legacyRows, long plannedRows, Map<FindingKind, Integer> findings,
                         double seconds) {
        public int findingCount() {
            return findings.values().stream().mapToInt(Integer::intValue).sum();
        }

        public double legacyRowsPerSecond() {
            return legacyRows / Math.max(seconds, 1e-3);
        }
    }

    private final Workspace workspace;

    public DryRun(Workspace workspace) {
        this.workspace = workspace;
    }

    public Result run(Options options, ProgressListener progress, Cancellation cancellation) throws SQLException {
        Plan plan = workspace.plan();
        long start = System.nanoTime();
        TargetShape shape = workspace.catalog().shape();
        Runs runs = new Runs(workspace.control());
        try (PlanLock lock = PlanLock.acquire(workspace.target(), workspace.control(), plan.name(), "a dry run by " + Workspace.actor())) {
            BatchStore batches = new BatchStore(workspace.control(), plan.name());
            try (Connection connection = workspace.target().getConnection()) {
                Integer applying = batches.applyingBatch(connection);
                if (applying != null && options.user() == null) {
                    throw new IllegalStateException("Batch " + applying + " of plan '" + plan.name() + "' is being applied or was"
                            + " interrupted mid-apply. Finish it first ('backfill apply --batch " + applying + "'), then dry-run again.");
                }
            }
            long runId = runs.start(workspace.target(), plan.name(), "dry_run", null, plan.checksum(),
                    System.getProperty("user.name", "unknown"), Workspace.host());
            try {
                Result result = Transactions.inTransaction(workspace.target(),
                        connection -> execute(connection, runId, options, shape, progress, cancellation, start));
                runs.finish(workspace.target(), runId, "done", detail(result));
                return result;
            } catch (SQLException | RuntimeException e) {
                ObjectNode detail = Json.NODES.objectNode().put("error", String.valueOf(e.getMessage()));
                runs.finish(workspace.target(), runId, e instanceof Cancellation.CancelledException ? "cancelled" : "failed", detail);
                throw e;
            }
        }
    }

    private Result execute(Connection connection, long runId, Options options, TargetShape shape, ProgressListener progress,
                           Cancellation cancellation, long start) throws SQLException {
        Plan plan = workspace.plan();
        SourceReader source = workspace.source();
        DryRunStore store = new DryRunStore(workspace.control(), plan.name());
        IdMapStore ids = new IdMapStore(workspace.control(), plan.name());
        Set<String> emptyTargets = new HashSet<>();
        for (Entity entity : plan.entities()) {
            if (TargetProbe.isEmpty(connection, entity)) {
                emptyTargets.add(entity.name());
            }
        }
        boolean full = options.user() == null;
        if (full) {
            store.clearForFullRun(connection);
        }
        Counter counter = new Counter();
        Map<String, Map<String, Object>> sharedIds = mapShared(connection, store, ids, shape, emptyTargets, runId, full, counter);
        MappingContext context = new MappingContext(plan, shape, ids, sharedIds);
        ChunkMapper mapper = new ChunkMapper(context, ids, emptyTargets);
        SourceChunks chunks = new SourceChunks(workspace);
        Map<String, SourceSpec> streams = Streams.of(plan, false);
        List<Entity> entities = SourceChunks.userEntities(plan);
        long usersTotal = full ? -1 : 1;
        long position = nextPosition(connection, options);
        progress.onProgress(Progress.of("Reading users", 0, usersTotal, 0, start));
        try (UserKeys keys = full ? new UserKeys(streams.values().stream().map(source::users).toList()) : null) {
            List<String> pending = full ? null : List.of(options.user());
            while (full ? keys.hasNext() : pending != null) {
                cancellation.check("The dry run");
                List<String> chunk = full ? keys.take(options.chunkUsers()) : pending;
                pending = null;
                Set<String> migrated = store.migrated(connection, chunk);
                List<String> todo = chunk.stream().filter(u -> !migrated.contains(u)).toList();
                List<UserMapping> mappings = mapper.map(connection, todo, chunks.users(todo), entities);
                List<UserResult> results = new ArrayList<>(mappings.size());
                Map<String, Long> positions = new HashMap<>();
                for (UserMapping mapping : mappings) {
                    results.add(mapping.result());
                    positions.put(mapping.user(), position++);
                }
                if (!full) {
                    store.deleteFindingsOf(connection, options.user());
                }
                ids.flush(connection);
                store.write(connection, runId, results, positions);
                results.forEach(counter::add);
                counter.users += migrated.size();
                progress.onProgress(Progress.of("Mapping users", counter.users, usersTotal, counter.legacyRows, start));
            }
        }
        if (full) {
            List<Finding> orphans = rowsWithoutUser(streams);
            store.writeFindings(connection, runId, orphans);
            orphans.forEach(f -> counter.findings.merge(f.kind(), 1, Integer::sum));
            store.dropUsersNotSeen(connection, runId);
            new BatchStore(workspace.control(), plan.name()).formAfterDryRun(connection, plan.batchUsers());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.onProgress(Progress.of("Done", counter.users, counter.users, counter.legacyRows, start));
        return new Result(runId, counter.users, counter.legacyRows, counter.plannedRows, counter.findings, seconds);
    }

    private Map<String, Map<String, Object>> mapShared(Connection connection, DryRunStore store, IdMapStore ids, TargetShape shape,
                                                       Set<String> emptyTargets, long runId, boolean full, Counter counter)
            throws SQLException {
        Plan plan = workspace.plan();
        if (!plan.hasSharedEntities()) {
            return Map.of();
        }
        UserMapping mapping = new SourceChunks(workspace).mapShared(connection, shape, ids, emptyTargets);
        if (full) {
            UserResult result = mapping.result();
            ids.flush(connection);
            store.write(connection, runId, List.of(result), Map.of(DryRunStore.SHARED_USER, 0L));
            counter.add(result);
        }
        return mapping.ids();
    }

    private List<Finding> rowsWithoutUser(Map<String, SourceSpec> streams) {
        List<Finding> findings = new ArrayList<>();
        for (Map.Entry<String, SourceSpec> stream : streams.entrySet()) {
            SourceSpec spec = stream.getValue();
            Entity reader = Streams.readers(workspace.plan(), stream.getKey()).get(0);
            for (ObjectNode row : workspace.source().rowsWithoutUser(spec, ROWS_WITHOUT_USER_REPORTED)) {
                String id = row.hasNonNull("id") ? row.get("id").asText() : row.hasNonNull("_id") ? row.get("_id").asText() : "(no id)";
                findings.add(new Finding(DryRunStore.NO_USER, reader.name(), FindingKind.MISSING_REQUIRED, spec.partition(),
                        List.of(row), null, List.of(id), "a row of " + spec.label() + " (id " + id + ") has no " + spec.partition()
                        + ", so it belongs to no user and cannot be migrated; give it a user in the source or leave it behind"));
            }
        }
        return findings;
    }

    private long nextPosition(Connection connection, Options options) throws SQLException {
        if (options.user() == null) {
            return 1;
        }
        String sql = "select coalesce((select position from " + workspace.control().table("users") + " where plan = ? and user_key = ?),"
                + " (select coalesce(max(position), 0) + 1 from " + workspace.control().table("users") + " where plan = ?))";
        try (var statement = connection.prepareStatement(sql)) {
            statement.setString(1, workspace.plan().name());
            statement.setString(2, options.user());
            statement.setString(3, workspace.plan().name());
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static ObjectNode detail(Result result) {
        ObjectNode detail = Json.NODES.objectNode()
                .put("users", result.users())
                .put("legacy_rows", result.legacyRows())
                .put("planned_rows", result.plannedRows())
                .put("seconds", Math.round(result.seconds() * 1000) / 1000.0)
                .put("legacy_rows_per_second", Math.round(result.legacyRowsPerSecond()));
        ObjectNode findings = detail.putObject("findings");
        result.findings().forEach((kind, count) -> findings.put(kind.name(), count));
        return detail;
    }

    private static final class Counter {
        long users;
        long legacyRows;
        long plannedRows;
        final Map<FindingKind, Integer> findings = new EnumMap<>(FindingKind.class);

        void add(UserResult result) {
            users++;
            legacyRows += result.legacyRowCount();
            plannedRows += result.plannedRowCount();
            result.findings().forEach(f -> findings.merge(f.kind(), 1, Integer::sum));
        }
    }
}
