package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.BatchStore;
import dev.backfill.control.Control;
import dev.backfill.control.DryRunStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.control.PlanLock;
import dev.backfill.db.TargetCatalog;
import dev.backfill.db.Transactions;
import dev.backfill.db.UnindexedForeignKey;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.errors.RefusedException;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.StoredText;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserMapping;
import dev.backfill.mapping.UserResult;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SourceSpec;
import dev.backfill.mapping.Streams;
import dev.backfill.source.SourceFieldCheck;
import dev.backfill.source.SourceReader;
import dev.backfill.source.ScanMerge;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import dev.backfill.source.UserRows;

/**
 * The dry run: streams the source user by user, maps, looks the planned rows up in the target, and
 * stores per user the counts, findings and legacy fingerprint in the control schema. It writes
 * nothing else: not the target tables, not the source.
 */
public final class DryRun {

    /** @param user only this user (re-review after a change), or null for every user */
    /** How a full run forms new batches: in partition order, or users that reference each other most together. */
    public enum BatchOrder { PARTITION, REFERENCES }

    /** Users read and mapped together unless the operator says otherwise ({@code dry-run --chunk}). */
    public static final int DEFAULT_CHUNK_USERS = 500;

    public record Options(String user, int chunkUsers, BatchOrder batchOrder) {
        public Options {
            if (chunkUsers < 1) {
                throw new InvalidInputException("A chunk holds at least 1 user, not " + chunkUsers + ".");
            }
        }

        public Options(String user, int chunkUsers) {
            this(user, chunkUsers, BatchOrder.PARTITION);
        }

        public static Options all() {
            return new Options(null, DEFAULT_CHUNK_USERS);
        }

        public static Options single(String user) {
            return new Options(user, 1);
        }

        public Options withBatchOrder(BatchOrder order) {
            return new Options(user, chunkUsers, order);
        }
    }

    /**
     * @param fieldsNotFound       fields the plan reads that no legacy record of the run had (also among the findings)
     * @param unindexedForeignKeys foreign keys into the plan's tables that rollback would check with a full scan per
     *                             deleted row; advice, not findings: they hold no user back and leave the exit code alone
     */
    public record Result(long runId, long users, long legacyRows, long plannedRows, Map<FindingKind, Integer> findings,
                         double seconds, List<Finding> fieldsNotFound, List<UnindexedForeignKey> unindexedForeignKeys) {
        public int findingCount() {
            return findings.values().stream().mapToInt(Integer::intValue).sum();
        }

        public double legacyRowsPerSecond() {
            return legacyRows / Math.max(seconds, 1e-3);
        }
    }

    private static final String INTERRUPTED = "The dry run was interrupted; nothing it did was kept";

    private final Workspace workspace;
    private final Control control;

    public DryRun(Workspace workspace) {
        this.workspace = workspace;
        this.control = workspace.control();
    }

    /**
     * A full run reviews every user not migrated again: approvals in force are withdrawn, batches none
     * of whose users is migrated are formed anew, and a batch with migrated users keeps its users
     * (and holds the others back, if it was approved or mid-apply). A one-user run reviews that user.
     */
    public Result run(Options options, ProgressListener progress, Cancellation cancellation) throws SQLException {
        Plan plan = workspace.plan();
        long start = System.nanoTime();
        // a misspelt column reads as NULL for every user: refuse the plan before mapping anyone (exit 2)
        SourceFieldCheck.verify(plan, workspace.source());
        TargetShape shape = workspace.catalog().shape();
        try (PlanLock lock = control.lock("a dry run by " + Workspace.actor())) {
            long runId = control.runs().start(RunKind.DRY_RUN, null, plan.checksum(), System.getProperty("user.name", "unknown"),
                    Workspace.host());
            try {
                Result result = Transactions.inTransaction(workspace.target(),
                        connection -> execute(connection, runId, options, shape, progress, cancellation, start));
                control.runs().finish(runId, RunStatus.DONE, detail(result));
                return result;
            } catch (SQLException | RuntimeException e) {
                ObjectNode detail = Json.NODES.objectNode().put("error", StoredText.escape(String.valueOf(e.getMessage())));
                control.runs().finish(runId, e instanceof Cancellation.CancelledException ? RunStatus.CANCELLED : RunStatus.FAILED, detail);
                throw e;
            }
        }
    }

    private Result execute(Connection connection, long runId, Options options, TargetShape shape, ProgressListener progress,
                           Cancellation cancellation, long start) throws SQLException {
        Plan plan = workspace.plan();
        DryRunStore store = control.dryRuns();
        IdMapStore ids = control.idMap();
        // read on every run, not with the cached catalog: the DBA creates the indexes between two dry runs
        List<UnindexedForeignKey> unindexed = TargetCatalog.unindexedForeignKeys(connection, plan);
        Set<String> emptyTargets = new HashSet<>();
        Map<String, TargetIndex> indexes = new HashMap<>();
        for (Entity entity : plan.entities()) {
            TargetIndex index = TargetIndex.load(connection, entity, shape);
            if (index != null && index.isEmpty()) {
                emptyTargets.add(entity.name());
            } else if (index != null) {
                indexes.put(entity.name(), index);
            }
        }
        boolean full = options.user() == null;
        BatchStore batches = control.batches();
        boolean fresh = full && batches.isFresh(connection);
        if (fresh) {
            store.clearForFreshRun(connection);
        } else if (full) {
            store.clearForFullRun(connection);
        }
        Counter counter = new Counter();
        PathCoverage coverage = new PathCoverage(plan);
        Map<String, Map<String, Object>> sharedIds = mapShared(connection, store, ids, shape, emptyTargets, runId, full, counter,
                fresh ? plan.batchUsers() : 0, coverage);
        ReferenceBook book = new ReferenceBook(plan, control.directory());
        // a full run reads every user again: until it has, a row it does not know may belong to a user it has not read yet
        ChunkDirectory directory = new ChunkDirectory(plan, control.directory(), !full);
        MappingContext context = new MappingContext(plan, shape, ids, sharedIds, coverage, directory);
        ChunkMapper mapper = new ChunkMapper(context, ids, emptyTargets, indexes);
        Map<String, SourceSpec> streams = Streams.of(plan, false);
        UniqueCheck unique = new UniqueCheck(plan, shape, SourceUniqueIds.of(plan, workspace.source(), shape));
        int batchUsers = fresh ? plan.batchUsers() : 0;
        if (full) {
            book.startFullRun(connection);
            long total = streams.values().stream().mapToLong(workspace.source()::countUsers).max().orElse(-1);
            progress.onProgress(Progress.of("Reading users", 0, total, 0, start));
            new Pipeline(connection, runId, store, ids, mapper, streams, total, store.migratedCount(connection) > 0, progress,
                    cancellation, counter, start, batchUsers, unique, book).run(options.chunkUsers());
            directory.nowComplete();
            mapDeferredAgain(connection, runId, store, ids, mapper, unique, book, fresh, batchUsers, options.chunkUsers(), progress, start);
        } else {
            mapOne(connection, runId, options.user(), store, ids, mapper, counter, book);
        }
        List<Finding> blocked = book.blockedReferences(connection);
        store.writeFindings(connection, runId, blocked);
        store.countFindings(connection, blocked);
        blocked.forEach(f -> counter.findings.merge(f.kind(), 1, Integer::sum));
        List<Finding> fieldsNotFound = List.of();
        if (full) {
            List<Finding> duplicates = unique.findDuplicates(connection);
            store.writeFindings(connection, runId, duplicates);
            store.countFindings(connection, duplicates);
            duplicates.forEach(f -> counter.findings.merge(f.kind(), 1, Integer::sum));
            List<Finding> orphans = NoUserFindings.of(plan, workspace.source(), streams);
            store.writeFindings(connection, runId, orphans);
            orphans.forEach(f -> counter.findings.merge(f.kind(), 1, Integer::sum));
            // only a full run has seen every record: one user without a field says nothing about the plan
            fieldsNotFound = coverage.findings();
            store.writeFindings(connection, runId, fieldsNotFound);
            fieldsNotFound.forEach(f -> counter.findings.merge(f.kind(), 1, Integer::sum));
            store.dropUsersNotSeen(connection, runId);
            List<String> order = options.batchOrder() == BatchOrder.REFERENCES && book.active()
                    ? ReferenceGrouping.order(batches.usersToBatch(connection), book.userEdges(connection), plan.batchUsers()) : List.of();
            if (fresh) {
                batches.formFresh(connection, order, plan.batchUsers());
            } else {
                batches.reformAfterDryRun(connection, plan.batchUsers(), order);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.onProgress(Progress.of("Done", counter.users, counter.users, counter.legacyRows, start));
        if (!full) {
            return new Result(runId, counter.users, counter.legacyRows, counter.plannedRows, counter.findings, seconds, fieldsNotFound,
                    unindexed);
        }
        // what the run stored (users mapped again once every user was read are counted once, as they are now)
        DryRunStore.Totals totals = store.totals(connection, runId);
        Map<FindingKind, Integer> findings = new EnumMap<>(FindingKind.class);
        totals.findings().forEach((kind, count) -> findings.put(FindingKind.valueOf(kind), count));
        return new Result(runId, counter.users, totals.legacyRows(), totals.plannedRows(), findings, seconds, fieldsNotFound, unindexed);
    }

    /**
     * Maps again, now that every user is read, the users whose references named rows the run had not
     * read yet: their references now resolve to other users' rows, or are orphans. Their results replace
     * the first ones.
     */
    private void mapDeferredAgain(Connection connection, long runId, DryRunStore store, IdMapStore ids, ChunkMapper mapper,
                                  UniqueCheck unique, ReferenceBook book, boolean fresh, int batchUsers, int chunkUsers,
                                  ProgressListener progress, long start) throws SQLException {
        Map<String, Long> deferred = book.deferredUsers(connection);
        List<String> users = new ArrayList<>(deferred.keySet());
        for (int from = 0; from < users.size(); from += chunkUsers) {
            List<String> chunk = users.subList(from, Math.min(users.size(), from + chunkUsers));
            List<MappedUser> mapped = mapper.map(connection, chunk, new SourceChunks(workspace).users(chunk),
                    SourceChunks.userEntities(workspace.plan()));
            List<UserResult> results = new ArrayList<>(mapped.size());
            Map<String, String> targets = new HashMap<>();
            List<ReferenceBook.Page> pages = new ArrayList<>(mapped.size());
            for (MappedUser user : mapped) {
                results.add(user.mapping().result());
                targets.put(user.user(), user.target().value());
                pages.add(book.page(user));
            }
            store.forget(connection, runId, chunk, fresh);
            unique.forget(connection, chunk);
            book.forget(connection, chunk);
            ids.flush(connection);
            store.write(connection, runId, results, deferred, targets, batchUsers);
            unique.collect(connection, results, deferred);
            book.write(connection, pages, deferred);
            progress.onProgress(Progress.of("Resolving references to other users", from + chunk.size(), users.size(), 0, start));
        }
    }

    private void mapOne(Connection connection, long runId, String user, DryRunStore store, IdMapStore ids, ChunkMapper mapper,
                        Counter counter, ReferenceBook book) throws SQLException {
        var placed = control.batches().placements(connection, List.of(user));
        if (!placed.isEmpty() && placed.get(0).status() == dev.backfill.lifecycle.UserStatus.MIGRATED) {
            throw new RefusedException("User " + user + " is already migrated (batch " + placed.get(0).batch() + "); its dry-run"
                    + " results are kept as they were applied. Roll back its batch first to review it again.",
                    List.of("backfill rollback PLAN --batch " + placed.get(0).batch()));
        }
        MappedUser mapped = mapper.map(connection, List.of(user), new SourceChunks(workspace).users(List.of(user)),
                SourceChunks.userEntities(workspace.plan())).get(0);
        UserResult result = mapped.mapping().result();
        if (result.legacyRowCount() == 0) {
            throw new InvalidInputException("User '" + user + "' has no rows in the source (" + workspace.source().describe()
                    + "). Check the id: it must equal the " + workspace.plan().partition() + " value exactly.");
        }
        store.deleteFindingsOf(connection, user);
        ids.flush(connection);
        Map<String, Long> position = Map.of(user, store.positionOf(connection, user));
        store.write(connection, runId, List.of(result), position, Map.of(user, mapped.target().value()), 0);
        book.forget(connection, List.of(user));
        book.write(connection, List.of(book.page(mapped)), position);
        counter.add(result);
    }

    /**
     * The full run as three overlapping stages: a reader thread fetches the next chunk of users
     * while this thread maps the current one, and a writer thread stores the previous chunk's
     * results in the run's one control transaction. Memory: at most three chunks at once.
     */
    private final class Pipeline {
        private final Connection control;
        private final long runId;
        private final DryRunStore store;
        private final IdMapStore ids;
        private final ChunkMapper mapper;
        private final Map<String, SourceSpec> streams;
        private final long usersTotal;
        private final boolean someMigrated;
        private final ProgressListener progress;
        private final Cancellation cancellation;
        private final Counter counter;
        private final long start;
        private final int batchUsers;
        private final UniqueCheck unique;
        private final ReferenceBook book;
        private long position = 1;

        private record Chunk(List<String> users, Map<String, Map<String, UserRows>> rows, int migrated) {}

        private record Mapped(List<UserResult> results, Map<String, Long> positions, Map<String, String> targets,
                              List<ReferenceBook.Page> pages) {}

        Pipeline(Connection control, long runId, DryRunStore store, IdMapStore ids, ChunkMapper mapper, Map<String, SourceSpec> streams,
                 long usersTotal, boolean someMigrated, ProgressListener progress, Cancellation cancellation, Counter counter, long start,
                 int batchUsers, UniqueCheck unique, ReferenceBook book) {
            this.control = control;
            this.runId = runId;
            this.store = store;
            this.ids = ids;
            this.mapper = mapper;
            this.streams = streams;
            this.usersTotal = usersTotal;
            this.someMigrated = someMigrated;
            this.progress = progress;
            this.cancellation = cancellation;
            this.counter = counter;
            this.start = start;
            this.batchUsers = batchUsers;
            this.unique = unique;
            this.book = book;
        }

        void run(int chunkUsers) throws SQLException {
            Map<String, SourceReader.CloseableIterator<SourceReader.KeyedRows>> scans = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, SourceSpec> stream : streams.entrySet()) {
                    scans.put(stream.getKey(), workspace.source().scan(stream.getValue()));
                }
            } catch (RuntimeException e) {
                scans.values().forEach(SourceReader.CloseableIterator::close);
                throw e;
            }
            try (Stage reader = new Stage("backfill-dry-run-reader", INTERRUPTED);
                 Stage writer = new Stage("backfill-dry-run-writer", INTERRUPTED);
                 ScanMerge merge = new ScanMerge(scans); Connection probe = workspace.target().getConnection()) {
                Future<Chunk> next = reader.submit(() -> read(merge, chunkUsers));
                Future<?> writing = CompletableFuture.completedFuture(null);
                while (true) {
                    Chunk chunk = reader.await(next);
                    if (chunk == null) {
                        break;
                    }
                    next = reader.submit(() -> read(merge, chunkUsers));
                    cancellation.check("The dry run");
                    Mapped mapped = map(probe, chunk);
                    writer.await(writing);
                    writing = writer.submit(() -> {
                        ids.flush(control);
                        store.write(control, runId, mapped.results(), mapped.positions(), mapped.targets(), batchUsers);
                        unique.collect(control, mapped.results(), mapped.positions());
                        book.write(control, mapped.pages(), mapped.positions());
                        return null;
                    });
                    counter.users += chunk.migrated();
                    mapped.results().forEach(counter::add);
                    progress.onProgress(Progress.of("Mapping users", counter.users, usersTotal, counter.legacyRows, start));
                }
                writer.await(writing);
            }
        }

        /** Runs on the reader thread: the next users with their rows, minus those already migrated. */
        private Chunk read(ScanMerge merge, int chunkUsers) throws SQLException {
            ScanMerge.Chunk chunk = merge.next(chunkUsers);
            if (chunk.users().isEmpty()) {
                return null;
            }
            Set<String> migrated = Set.of();
            if (someMigrated) {
                try (Connection connection = workspace.target().getConnection()) {
                    migrated = store.migrated(connection, chunk.users());
                }
            }
            Set<String> skip = migrated;
            List<String> todo = skip.isEmpty() ? chunk.users() : chunk.users().stream().filter(u -> !skip.contains(u)).toList();
            return new Chunk(todo, chunk.rows(), migrated.size());
        }

        private Mapped map(Connection probe, Chunk chunk) throws SQLException {
            List<MappedUser> mappings = mapper.map(probe, chunk.users(), chunk.rows(), SourceChunks.userEntities(workspace.plan()));
            List<UserResult> results = new ArrayList<>(mappings.size());
            Map<String, Long> positions = new HashMap<>();
            Map<String, String> targets = new HashMap<>();
            List<ReferenceBook.Page> pages = new ArrayList<>(mappings.size());
            for (MappedUser mapped : mappings) {
                results.add(mapped.mapping().result());
                positions.put(mapped.user(), position++);
                targets.put(mapped.user(), mapped.target().value());
                pages.add(book.page(mapped));
            }
            return new Mapped(results, positions, targets, pages);
        }
    }

    private Map<String, Map<String, Object>> mapShared(Connection connection, DryRunStore store, IdMapStore ids, TargetShape shape,
                                                       Set<String> emptyTargets, long runId, boolean full, Counter counter, int batchUsers,
                                                       PathCoverage coverage)
            throws SQLException {
        Plan plan = workspace.plan();
        if (!plan.hasSharedEntities()) {
            return Map.of();
        }
        MappedUser mapped = new SourceChunks(workspace).mapSharedAgainstTarget(connection, shape, ids, emptyTargets, coverage);
        if (full) {
            UserResult result = mapped.mapping().result();
            ids.flush(connection);
            store.write(connection, runId, List.of(result), Map.of(DryRunStore.SHARED_USER, 0L),
                    Map.of(DryRunStore.SHARED_USER, mapped.target().value()), batchUsers);
            counter.addShared(result);
        }
        return mapped.mapping().ids();
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
        ArrayNode unindexed = detail.putArray("unindexed_foreign_keys");
        for (UnindexedForeignKey key : result.unindexedForeignKeys()) {
            ObjectNode entry = unindexed.addObject()
                    .put("constraint", key.constraint())
                    .put("table", key.table())
                    .put("referenced_table", key.referencedTable())
                    .put("statement", key.statement());
            key.columns().forEach(entry.putArray("columns")::add);
        }
        return detail;
    }

    private static final class Counter {
        long users;
        long legacyRows;
        long plannedRows;
        final Map<FindingKind, Integer> findings = new EnumMap<>(FindingKind.class);

        void add(UserResult result) {
            users++;
            addShared(result);
        }

        /** Shared rows (batch 0) count as rows and findings but not as a user. */
        void addShared(UserResult result) {
            legacyRows += result.legacyRowCount();
            plannedRows += result.plannedRowCount();
            result.findings().forEach(f -> findings.merge(f.kind(), 1, Integer::sum));
        }
    }
}
