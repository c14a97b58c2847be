package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.ApplyStore;
import dev.backfill.control.BatchState;
import dev.backfill.control.BatchStore;
import dev.backfill.control.BatchView;
import dev.backfill.control.DryRunStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.control.PlanLock;
import dev.backfill.control.Runs;
import dev.backfill.db.Retry;
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
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies one approved batch. Each user's rows for all entities and the ledger rows recording them
 * commit together. Healthy users share a transaction (a chunk); a chunk that fails for a reason
 * other than a transient one is split until the failing user stands alone, and only that user is
 * marked failed. A user whose legacy rows changed since approval is not applied (SOURCE_CHANGED).
 * Running it again after a crash, kill or pause continues with the users not done.
 */
public final class Apply {
    private static final String INTERRUPTED = "The apply was interrupted; every user is either wholly applied or not at all."
            + " Apply again to resume.";

    public record Result(int batch, BatchState state, int applied, int failed, int sourceChanged, long rows,
                         double seconds, boolean paused, boolean nothingToDo) {
        public double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-3);
        }
    }

    /** Asks a running apply to stop after the users it is writing. */
    public static final class PauseSignal {
        private final AtomicBoolean requested = new AtomicBoolean();

        public void request() {
            requested.set(true);
        }

        boolean isRequested() {
            return requested.get();
        }
    }

    private final Workspace workspace;
    private final int chunkUsers;
    private final long throttleMillis;

    /**
     * @param chunkUsers     users committed together
     * @param throttleMillis pause between commits, to leave a live database room
     */
    public Apply(Workspace workspace, int chunkUsers, long throttleMillis) {
        this.workspace = workspace;
        this.chunkUsers = Math.max(1, chunkUsers);
        this.throttleMillis = Math.max(0, throttleMillis);
    }

    public Apply(Workspace workspace, int chunkUsers) {
        this(workspace, chunkUsers, 0);
    }

    public Apply(Workspace workspace) {
        this(workspace, 100);
    }

    /** Applies the first batch that is approved or was left mid-apply. */
    public Result applyNext(ApplyListener listener, PauseSignal pause) throws SQLException {
        BatchStore batches = new BatchStore(workspace.control(), workspace.plan().name());
        List<BatchView> queue;
        try (Connection connection = workspace.target().getConnection()) {
            queue = batches.list(connection);
        }
        BatchView next = queue.stream().filter(b -> b.state() == BatchState.APPLYING).findFirst()
                .or(() -> queue.stream().filter(b -> b.state() == BatchState.APPROVED).findFirst())
                .orElseThrow(() -> new IllegalStateException("No batch is approved. Approve the next one first: 'backfill approve PLAN --next'."));
        return apply(next.number(), listener, pause);
    }

    public Result apply(int batchNo, ApplyListener listener, PauseSignal pause) throws SQLException {
        Plan plan = workspace.plan();
        long start = System.nanoTime();
        BatchStore batches = new BatchStore(workspace.control(), plan.name());
        ApplyStore store = new ApplyStore(workspace.control(), plan.name());
        try (PlanLock lock = PlanLock.acquire(workspace.target(), workspace.control(), plan.name(),
                "apply of batch " + batchNo + " by " + Workspace.actor())) {
            ApplyStore.Approval approval;
            BatchView batch;
            try (Connection connection = workspace.target().getConnection()) {
                batch = batches.get(connection, batchNo).orElseThrow(() -> new IllegalArgumentException(
                        "Plan '" + plan.name() + "' has no batch " + batchNo + ". 'backfill batches PLAN' lists them."));
                if (batch.state() == BatchState.APPLIED) {
                    return new Result(batchNo, batch.state(), 0, 0, 0, 0, 0, false, true);
                }
                if (batch.state() != BatchState.APPROVED && batch.state() != BatchState.APPLYING) {
                    throw new IllegalStateException("Batch " + batchNo + " is " + batch.state() + ", not approved. Approve it first: "
                            + "'backfill approve PLAN --batch " + batchNo + "'.");
                }
                approval = store.approvalOf(connection, batchNo);
                if (approval == null || approval.revoked()) {
                    throw new IllegalStateException("Batch " + batchNo + " has no valid approval. Approve it again.");
                }
                if (!approval.planChecksum().equals(plan.checksum())) {
                    throw new IllegalStateException("The plan file changed since batch " + batchNo + " was approved (approved "
                            + approval.planChecksum().substring(0, 12) + ", now " + plan.shortChecksum()
                            + "). Dry-run again and approve the batch again: what is applied must be what was reviewed.");
                }
                requireSharedBatchApplied(batches, connection, batchNo);
                batches.clearPause(connection, batchNo);
                batches.setState(connection, batchNo, BatchState.APPLYING);
            }
            Runs runs = new Runs(workspace.control());
            long runId = runs.start(workspace.target(), plan.name(), "apply", batchNo, plan.checksum(),
                    System.getProperty("user.name", "unknown"), Workspace.host());
            Execution execution = new Execution(runId, batchNo, approval, lock, listener, pause, start);
            try {
                Result result = execution.run();
                runs.finish(workspace.target(), runId, result.paused() ? "paused" : "done", detail(result));
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    runs.finish(workspace.target(), runId, "failed", Json.NODES.objectNode().put("error", String.valueOf(e.getMessage())));
                } catch (SQLException | RuntimeException notRecorded) {
                    e.addSuppressed(notRecorded); // e.g. the connection was lost too: report why apply stopped, not this
                }
                throw e;
            }
        }
    }

    private void requireSharedBatchApplied(BatchStore batches, Connection connection, int batchNo) throws SQLException {
        if (batchNo == 0 || !workspace.plan().hasSharedEntities()) {
            return;
        }
        BatchView shared = batches.get(connection, 0).orElse(null);
        if (shared != null && shared.state() != BatchState.APPLIED) {
            throw new IllegalStateException("Batch 0 (the shared rows other batches reference) is " + shared.state()
                    + "; approve and apply it before batch " + batchNo + ".");
        }
    }

    private static ObjectNode detail(Result result) {
        return Json.NODES.objectNode().put("batch", result.batch()).put("state", result.state().name())
                .put("applied", result.applied()).put("failed", result.failed()).put("source_changed", result.sourceChanged())
                .put("rows", result.rows()).put("seconds", Math.round(result.seconds() * 1000) / 1000.0)
                .put("rows_per_second", Math.round(result.rowsPerSecond())).put("paused", result.paused());
    }

    /** One run of apply over one batch. */
    private final class Execution {
        private final long runId;
        private final int batchNo;
        private final ApplyStore.Approval approval;
        private final PlanLock lock;
        private final ApplyListener listener;
        private final PauseSignal pause;
        private final long start;
        private final Plan plan = workspace.plan();
        private final ApplyStore store = new ApplyStore(workspace.control(), workspace.plan().name());
        private final BatchStore batches = new BatchStore(workspace.control(), workspace.plan().name());
        private final Retry retry = new Retry(workspace.plan().retry().attempts(), workspace.plan().retry().backoffMillis());
        private int applied;
        private int failed;
        private int sourceChanged;
        private long rows;

        Execution(long runId, int batchNo, ApplyStore.Approval approval, PlanLock lock, ApplyListener listener, PauseSignal pause,
                  long start) {
            this.runId = runId;
            this.batchNo = batchNo;
            this.approval = approval;
            this.lock = lock;
            this.listener = listener;
            this.pause = pause;
            this.start = start;
        }

        Result run() throws SQLException {
            TargetShape shape = workspace.catalog().shape();
            IdMapStore ids = new IdMapStore(workspace.control(), plan.name());
            Map<String, String> pending;
            try (Connection connection = workspace.target().getConnection()) {
                pending = store.pendingUsers(connection, batchNo, approval.id());
            }
            boolean shared = batchNo == 0 && pending.containsKey(DryRunStore.SHARED_USER);
            List<Entity> entities = plan.entities().stream().filter(e -> e.shared() == shared).toList();
            Map<String, Map<String, Object>> sharedIds = shared || !plan.hasSharedEntities() ? Map.of() : sharedIds(shape, ids);
            MappingContext context = new MappingContext(plan, shape, ids, sharedIds);
            ChunkMapper mapper = new ChunkMapper(context, ids, Set.of());
            ChunkWriter writer = new ChunkWriter(new ApplyStatements(workspace.control(), shape), shape,
                    workspace.catalog().storedShape(), store);
            List<String> users = new ArrayList<>(pending.keySet());
            int total = users.size();
            boolean paused = applyChunks(users, pending, shared, entities, mapper, ids, writer);
            BatchState state = withConnection(connection -> {
                BatchView batch = batches.get(connection, batchNo).orElseThrow();
                BatchState end = paused ? BatchState.APPLYING
                        : batch.usersMigrated() == batch.users() ? BatchState.APPLIED : BatchState.APPLIED_WITH_FAILURES;
                batches.setState(connection, batchNo, end);
                batches.clearPause(connection, batchNo);
                return end;
            });
            withConnection(connection -> {
                store.refreshStatistics(connection);
                return null;
            });
            recordProgress(Progress.of(paused ? "Paused" : "Done", applied + failed + sourceChanged, total, rows, start), paused);
            return new Result(batchNo, state, applied, failed, sourceChanged, rows, (System.nanoTime() - start) / 1e9, paused, false);
        }

        /**
         * Three overlapping stages: the reader fetches the next chunk's legacy rows, this thread maps and
         * hashes the current one, the writer commits the previous one. The writer is at most one chunk
         * behind, so a pause or a lost lock stops after the chunk being written. Returns whether it paused.
         */
        private boolean applyChunks(List<String> users, Map<String, String> pending, boolean shared, List<Entity> entities,
                                    ChunkMapper mapper, IdMapStore ids, ChunkWriter writer) throws SQLException {
            int total = users.size();
            try (Stage reader = new Stage("backfill-apply-reader", INTERRUPTED);
                 Stage writing = new Stage("backfill-apply-writer", INTERRUPTED)) {
                Future<Map<String, Map<String, UserRows>>> next = users.isEmpty() ? null
                        : reader.submit(() -> read(chunkAt(users, 0), shared));
                Future<?> written = CompletableFuture.completedFuture(null);
                try {
                    for (int from = 0; from < users.size(); from += chunkUsers) {
                        if (!lock.isHeld()) {
                            throw new ApplyInterruptedException("Lost the plan's lock (its database connection was closed); stopped after "
                                    + from + " users. Apply again to resume: nothing is written twice.");
                        }
                        List<String> chunk = chunkAt(users, from);
                        Map<String, Map<String, UserRows>> legacy = reader.await(next);
                        int following = from + chunkUsers;
                        next = following < users.size() ? reader.submit(() -> read(chunkAt(users, following), shared)) : null;
                        List<ChunkWriter.PreparedUser> ready = mapChunk(mapper, ids, chunk, legacy, pending, shared, writer);
                        writing.await(written);
                        if (pause.isRequested() || pauseRequestedInDatabase()) {
                            // the chunk just mapped is dropped unwritten; resuming maps it again
                            listener.onNote("Paused after " + from + " of " + total + " users; apply again to resume.");
                            return true;
                        }
                        int done = from + chunk.size();
                        written = writing.submit(() -> {
                            writeIsolated(writer, entities, ready);
                            Progress progress = Progress.of("Applying batch " + batchNo, done, total, rows, start);
                            listener.onProgress(progress);
                            recordProgress(progress, false);
                            throttle();
                            return null;
                        });
                    }
                    writing.await(written);
                    return false;
                } catch (SQLException | RuntimeException | Error e) {
                    // Never return (and release the plan's lock) while a chunk may still be committing.
                    awaitQuietly(writing, written, e);
                    throw e;
                }
            }
        }

        private Map<String, Map<String, Object>> sharedIds(TargetShape shape, IdMapStore ids) throws SQLException {
            try (Connection connection = workspace.target().getConnection()) {
                return new SourceChunks(workspace).mapShared(connection, shape, ids, Set.of()).ids();
            }
        }

        private static void awaitQuietly(Stage stage, Future<?> work, Throwable failure) {
            try {
                stage.await(work);
            } catch (SQLException | RuntimeException | Error e) {
                if (e != failure) {
                    failure.addSuppressed(e);
                }
            }
        }

        private List<String> chunkAt(List<String> users, int from) {
            return users.subList(from, Math.min(users.size(), from + chunkUsers));
        }

        /** Runs on the reader thread: the chunk's legacy rows (or the shared catalog rows). */
        private Map<String, Map<String, UserRows>> read(List<String> chunk, boolean shared) {
            SourceChunks chunks = new SourceChunks(workspace);
            return shared ? chunks.shared() : chunks.users(chunk);
        }

        /**
         * Maps a chunk and prepares its ledger; users whose legacy rows changed since approval are set
         * aside as SOURCE_CHANGED.
         */
        private List<ChunkWriter.PreparedUser> mapChunk(ChunkMapper mapper, IdMapStore ids, List<String> chunk,
                                                        Map<String, Map<String, UserRows>> rowsByStream, Map<String, String> approved,
                                                        boolean shared, ChunkWriter writer) throws SQLException {
            List<Entity> entities = plan.entities().stream().filter(e -> e.shared() == shared).toList();
            List<UserMapping> mappings = withConnection(connection -> {
                List<UserMapping> mapped = mapper.map(connection, chunk, rowsByStream, entities);
                Transactions.inTransaction(connection, c -> {
                    ids.flush(c);
                    return null;
                });
                return mapped;
            });
            List<ChunkWriter.PreparedUser> ready = new ArrayList<>();
            List<Finding> changedFindings = new ArrayList<>();
            Map<String, Integer> changed = new LinkedHashMap<>();
            for (UserMapping mapping : mappings) {
                UserResult result = mapping.result();
                String expected = approved.get(result.user());
                if (expected.equals(result.fingerprint())) {
                    ready.add(writer.prepare(entities, result));
                } else {
                    changed.put(result.user(), 0);
                    changedFindings.add(new Finding(result.user(), entities.get(0).name(), FindingKind.SOURCE_CHANGED, null,
                            List.of(Json.NODES.textNode(expected), Json.NODES.textNode(result.fingerprint())), null, List.of(),
                            "the legacy rows of this user changed after the batch was approved (fingerprint " + expected + " then, "
                                    + result.fingerprint() + " now); the user was not applied. Dry-run the user again, review,"
                                    + " and approve the batch again."));
                }
            }
            if (!changed.isEmpty()) {
                retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                    store.setStatus(connection, new ArrayList<>(changed.keySet()), "source_changed", "legacy rows changed after approval");
                    store.recordOutcomes(connection, runId, batchNo, "source_changed", changed, Map.of());
                    store.recordFindings(connection, runId, changedFindings);
                    return null;
                }), listener::onNote);
                sourceChanged += changed.size();
                changed.keySet().forEach(u -> listener.onUser(u, ApplyListener.Outcome.SOURCE_CHANGED, 0,
                        "legacy rows changed after approval"));
            }
            return ready;
        }

        /** Writes the users together; if that fails for a non-transient reason, halves until the failing users stand alone. */
        private void writeIsolated(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
            if (users.isEmpty()) {
                return;
            }
            try {
                retry.run(() -> writeOnce(writer, entities, users), listener::onNote);
            } catch (SQLException e) {
                if (Retry.isTransient(e)) {
                    throw e;
                }
                if (users.size() == 1) {
                    markFailed(users.get(0).user(), e);
                    return;
                }
                int half = users.size() / 2;
                writeIsolated(writer, entities, users.subList(0, half));
                writeIsolated(writer, entities, users.subList(half, users.size()));
            }
        }

        private Void writeOnce(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
            return Transactions.inTransaction(workspace.target(), connection -> {
                // A retry after a lost acknowledgement must not write a user twice: drop users already committed.
                Set<String> done = store.migrated(connection, users.stream().map(ChunkWriter.PreparedUser::user).toList());
                List<ChunkWriter.PreparedUser> todo = users.stream().filter(u -> !done.contains(u.user())).toList();
                if (todo.isEmpty()) {
                    return null;
                }
                Map<String, Integer> written = writer.write(connection, runId, batchNo, entities, todo);
                store.markMigrated(connection, new ArrayList<>(written.keySet()));
                store.recordOutcomes(connection, runId, batchNo, "applied", written, Map.of());
                connection.commit();
                for (Map.Entry<String, Integer> user : written.entrySet()) {
                    applied++;
                    rows += user.getValue();
                    listener.onUser(user.getKey(), ApplyListener.Outcome.APPLIED, user.getValue(), null);
                }
                return null;
            });
        }

        private void markFailed(String user, SQLException cause) throws SQLException {
            String message = Retry.describe(cause);
            retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                store.markFailed(connection, List.of(user), message);
                store.recordOutcomes(connection, runId, batchNo, "failed", Map.of(user, 0), Map.of(user, message));
                return null;
            }), listener::onNote);
            failed++;
            listener.onUser(user, ApplyListener.Outcome.FAILED, 0, message);
        }

        private void throttle() throws SQLException {
            if (throttleMillis == 0) {
                return;
            }
            try {
                Thread.sleep(throttleMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pause.request();
            }
        }

        private boolean pauseRequestedInDatabase() throws SQLException {
            return withConnection(connection -> batches.pauseRequested(connection, batchNo));
        }

        /**
         * Control-schema work between chunks, retried like the writes when it fails for a transient reason (a
         * connection dropped by the server): each attempt on a fresh pooled connection, not the broken one.
         */
        private <T> T withConnection(Transactions.Work<T> work) throws SQLException {
            return retry.run(() -> {
                try (Connection connection = workspace.target().getConnection()) {
                    return work.run(connection);
                }
            }, listener::onNote);
        }

        private void recordProgress(Progress progress, boolean paused) throws SQLException {
            ObjectNode json = Json.NODES.objectNode().put("users_done", progress.usersDone()).put("users_total", progress.usersTotal())
                    .put("rows_done", progress.rowsDone()).put("rows_per_second", Math.round(progress.rowsPerSecond()))
                    .put("eta_seconds", progress.eta() == null ? 0 : progress.eta().toSeconds()).put("paused", paused)
                    .put("run_id", runId);
            withConnection(connection -> {
                batches.recordProgress(connection, batchNo, Json.write(json));
                return null;
            });
        }
    }
}
