package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.ApplyStore;
import dev.backfill.control.BatchStore;
import dev.backfill.control.Control;
import dev.backfill.control.DryRunStore;
import dev.backfill.control.IdMapStore;
import dev.backfill.control.PlanLock;
import dev.backfill.db.Retry;
import dev.backfill.db.Transactions;
import dev.backfill.lifecycle.BatchEvent;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.Decision;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Applies one approved batch. Each user's rows for all entities and the ledger rows recording them
 * commit together. Healthy users share a transaction (a chunk); a chunk that fails for a reason
 * other than a transient one is split until the failing user stands alone, and only that user is
 * held back as failed. A user is held back, not applied, when its legacy rows changed since
 * approval (SOURCE_CHANGED) or when the target rows its rows meet changed since review
 * (TARGET_CHANGED: checked after mapping and again inside the user's transaction). Running it again
 * after a crash, kill or pause continues with the users not done.
 */
public final class Apply {
    private static final int MEETINGS_SHOWN = 20;

    public record Result(int batch, BatchState state, int applied, int failed, int sourceChanged, int targetChanged, long rows,
                         double seconds, boolean paused, boolean nothingToDo, int waiting, int released) {
        public double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-3);
        }

        public int heldBack() {
            return failed + sourceChanged + targetChanged;
        }

        /** What happened to rows that reference other users' rows, or empty when none did. */
        public Optional<String> referencesNote() {
            if (waiting == 0 && released == 0) {
                return Optional.empty();
            }
            List<String> parts = new ArrayList<>();
            if (waiting > 0) {
                parts.add(String.format("%,d row(s) wait for rows of users not migrated yet (written when those users are applied)", waiting));
            }
            if (released > 0) {
                parts.add(String.format("%,d waiting row(s) of earlier batches were written", released));
            }
            return Optional.of(String.join("; ", parts) + ".");
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
    private final Control control;
    private final int chunkUsers;
    private final long throttleMillis;

    /**
     * @param chunkUsers     users committed together
     * @param throttleMillis pause between commits, to leave a live database room
     */
    /**
     * Users committed together unless the operator says otherwise. Measured on the parts demo: 100 users
     * a commit cost 31 s per 100,000 rows, 500 about 24 s, 2,000 about 22 s; a failing user is found
     * by halving, so a bigger chunk costs a few more retries, and a pause waits for one chunk more.
     */
    public static final int DEFAULT_CHUNK_USERS = 500;

    public Apply(Workspace workspace, int chunkUsers, long throttleMillis) {
        if (chunkUsers < 1) {
            throw new dev.backfill.errors.InvalidInputException("A chunk holds at least 1 user, not " + chunkUsers + ".");
        }
        if (throttleMillis < 0) {
            throw new dev.backfill.errors.InvalidInputException("The throttle is a wait in milliseconds, 0 or more, not "
                    + throttleMillis + ".");
        }
        this.workspace = workspace;
        this.control = workspace.control();
        this.chunkUsers = chunkUsers;
        this.throttleMillis = throttleMillis;
    }

    public Apply(Workspace workspace, int chunkUsers) {
        this(workspace, chunkUsers, 0);
    }

    public Apply(Workspace workspace) {
        this(workspace, DEFAULT_CHUNK_USERS);
    }

    /** Applies the batch left mid-apply, else the first approved one. */
    public Result applyNext(ApplyListener listener, PauseSignal pause) throws SQLException {
        BatchView next = control.queue().applyNext().orRefuse().get(0);
        return apply(next.number(), listener, pause);
    }

    /**
     * Applies every approved batch in queue order, one after another. Stops after a batch that ends
     * with users held back or paused (the operator looks before going on), and when no approved batch is
     * left (the decision that says so is the last element's successor: {@link #nextAfterAll()}).
     * Refuses as {@code apply --next} does when there is nothing to apply at all.
     */
    public List<Result> applyAll(ApplyListener listener, PauseSignal pause) throws SQLException {
        return applyAll(listener, pause, result -> { });
    }

    /** {@link #applyAll(ApplyListener, PauseSignal)}, telling {@code afterEach} as each batch ends (a screen refreshes its queue). */
    public List<Result> applyAll(ApplyListener listener, PauseSignal pause, java.util.function.Consumer<Result> afterEach) throws SQLException {
        List<Result> results = new ArrayList<>();
        while (true) {
            Decision next = control.queue().applyNext();
            if (!next.allowed()) {
                if (results.isEmpty()) {
                    next.orRefuse();
                }
                return results;
            }
            Result result = apply(next.batch().number(), listener, pause);
            results.add(result);
            afterEach.accept(result);
            if (result.nothingToDo() || result.paused() || result.heldBack() > 0 || result.state() != BatchState.APPLIED) {
                return results;
            }
        }
    }

    /** Why {@link #applyAll} stopped when it ran out of approved batches: the queue's word, with its hints. */
    public Decision nextAfterAll() throws SQLException {
        return control.queue().applyNext();
    }

    public Result apply(int batchNo, ApplyListener listener, PauseSignal pause) throws SQLException {
        Plan plan = workspace.plan();
        long start = System.nanoTime();
        BatchStore batches = control.batches();
        try (PlanLock lock = control.lock("apply of batch " + batchNo + " by " + Workspace.actor())) {
            if (lock.interruptedRuns() > 0) {
                listener.onNote(lock.interruptedRuns() + " earlier run(s) of this plan ended without a word (killed or crashed);"
                        + " they are marked interrupted. Every user is either wholly applied or not at all.");
            }
            BatchStore.Approval approval = Transactions.inTransaction(workspace.target(), connection -> {
                batches.lockQueue(connection);
                BatchView batch = batches.queue(connection).apply(batchNo).orRefuse().get(0);
                if (batch.state() == BatchState.APPLIED) {
                    return null;
                }
                BatchStore.Approval valid = batches.approvalOf(connection, batchNo).orElseThrow();
                batches.clearPause(connection, batchNo);
                batches.transition(connection, batchNo, batch.state(), BatchEvent.START_APPLY);
                return valid;
            });
            if (approval == null) {
                return new Result(batchNo, BatchState.APPLIED, 0, 0, 0, 0, 0, 0, false, true, 0, 0);
            }
            long runId = control.runs().start(RunKind.APPLY, batchNo, plan.checksum(), System.getProperty("user.name", "unknown"),
                    Workspace.host());
            Execution execution = new Execution(runId, batchNo, approval, lock, listener, pause, start);
            try {
                Result result = execution.run();
                control.runs().finish(runId, result.paused() ? RunStatus.PAUSED : RunStatus.DONE, detail(result));
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    control.runs().finish(runId, RunStatus.FAILED, Json.NODES.objectNode().put("error", String.valueOf(e.getMessage())));
                } catch (SQLException | RuntimeException notRecorded) {
                    e.addSuppressed(notRecorded); // e.g. the connection was lost too: report why apply stopped, not this
                }
                throw e;
            }
        }
    }

    private static ObjectNode detail(Result result) {
        return Json.NODES.objectNode().put("batch", result.batch()).put("state", result.state().name())
                .put("applied", result.applied()).put("failed", result.failed()).put("source_changed", result.sourceChanged())
                .put("target_changed", result.targetChanged()).put("rows", result.rows())
                .put("rows_waiting", result.waiting()).put("rows_released", result.released())
                .put("seconds", Math.round(result.seconds() * 1000) / 1000.0)
                .put("rows_per_second", Math.round(result.rowsPerSecond())).put("paused", result.paused());
    }

    /** One run of apply over one batch. */
    private final class Execution {
        private final long runId;
        private final int batchNo;
        private final BatchStore.Approval approval;
        private final PlanLock lock;
        private final ApplyListener listener;
        private final PauseSignal pause;
        private final long start;
        private final Plan plan = workspace.plan();
        private final ApplyStore store = control.applies();
        private final BatchStore batches = control.batches();
        private final Retry retry = new Retry(workspace.plan().retry().attempts(), workspace.plan().retry().backoffMillis());
        private final String interrupted;
        private int applied;
        private int failed;
        private int sourceChanged;
        private int targetChanged;
        private long rows;
        private int waiting;
        private int released;

        Execution(long runId, int batchNo, BatchStore.Approval approval, PlanLock lock, ApplyListener listener, PauseSignal pause,
                  long start) {
            this.runId = runId;
            this.batchNo = batchNo;
            this.approval = approval;
            this.lock = lock;
            this.listener = listener;
            this.pause = pause;
            this.start = start;
            this.interrupted = "The apply of batch " + batchNo + " was interrupted; every user is either wholly applied or not at all."
                    + " Apply again to resume.";
        }

        Result run() throws SQLException {
            TargetShape shape = workspace.catalog().shape();
            IdMapStore ids = control.idMap();
            Map<String, ApplyStore.Reviewed> approved = withConnection(connection -> store.approvedUsers(connection, batchNo, approval.id()));
            boolean shared = batchNo == 0 && approved.containsKey(DryRunStore.SHARED_USER);
            List<Entity> entities = plan.entities().stream().filter(e -> e.shared() == shared).toList();
            Map<String, Map<String, Object>> sharedIds = shared || !plan.hasSharedEntities() ? Map.of() : sharedIds(shape, ids);
            MappingContext context = new MappingContext(plan, shape, ids, sharedIds, new PathCoverage(plan),
                    new ChunkDirectory(plan, control.directory(), true));
            ChunkMapper mapper = new ChunkMapper(context, ids, Set.of());
            TargetShape stored = workspace.catalog().storedShape();
            WrittenCheck check = withConnection(connection -> WrittenCheck.forServer(connection, stored));
            ChunkWriter writer = new ChunkWriter(new ApplyStatements(store, shape), shape, stored, store,
                    new PendingRows(plan, shape, control.pending()), check);
            List<String> users = new ArrayList<>(approved.keySet());
            int total = users.size();
            boolean paused = applyChunks(users, approved, shared, entities, mapper, ids, writer);
            BatchState state = Transactions.inTransaction(workspace.target(), connection -> {
                BatchView batch = batches.get(connection, batchNo).orElseThrow();
                BatchEvent end = paused ? BatchEvent.PAUSE_APPLY
                        : batch.usersMigrated() == batch.users() ? BatchEvent.FINISH_ALL_MIGRATED : BatchEvent.FINISH_SOME_HELD_BACK;
                BatchState to = batches.transition(connection, batchNo, batch.state(), end);
                batches.clearPause(connection, batchNo);
                return to;
            });
            withConnection(connection -> {
                store.refreshStatistics(connection);
                return null;
            });
            recordProgress(Progress.of(paused ? "Paused" : "Done", applied + failed + sourceChanged + targetChanged, total, rows, start),
                    paused);
            return new Result(batchNo, state, applied, failed, sourceChanged, targetChanged, rows, (System.nanoTime() - start) / 1e9,
                    paused, false, waiting, released);
        }

        /**
         * Three overlapping stages: the reader fetches the next chunk's legacy rows, this thread maps and
         * hashes the current one, the writer commits the previous one. The writer is at most one chunk
         * behind, so a pause or a lost lock stops after the chunk being written. Returns whether it paused.
         */
        private boolean applyChunks(List<String> users, Map<String, ApplyStore.Reviewed> approved, boolean shared, List<Entity> entities,
                                    ChunkMapper mapper, IdMapStore ids, ChunkWriter writer) throws SQLException {
            int total = users.size();
            try (Stage reader = new Stage("backfill-apply-reader", interrupted);
                 Stage writing = new Stage("backfill-apply-writer", interrupted)) {
                Future<Map<String, Map<String, UserRows>>> next = users.isEmpty() ? null
                        : reader.submit(() -> read(chunkAt(users, 0), shared));
                Future<?> written = CompletableFuture.completedFuture(null);
                try {
                    for (int from = 0; from < users.size(); from += chunkUsers) {
                        if (!lock.isHeld()) {
                            throw new ApplyInterruptedException("Lost the plan's lock (its database connection was closed); stopped after "
                                    + from + " users. Apply again to resume: nothing is written twice.", batchNo);
                        }
                        List<String> chunk = chunkAt(users, from);
                        Map<String, Map<String, UserRows>> legacy = reader.await(next);
                        int following = from + chunkUsers;
                        next = following < users.size() ? reader.submit(() -> read(chunkAt(users, following), shared)) : null;
                        List<ChunkWriter.PreparedUser> ready = mapChunk(mapper, ids, chunk, legacy, approved, entities, writer);
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
         * Maps a chunk and prepares its ledger. Users whose legacy rows changed since approval, or whose
         * rows meet other target rows than were reviewed, are held back. If mapping the chunk fails in
         * Java (a value no coercion foresaw), each user is mapped alone, so only the users that fail
         * are held back as failed.
         */
        private List<ChunkWriter.PreparedUser> mapChunk(ChunkMapper mapper, IdMapStore ids, List<String> chunk,
                                                        Map<String, Map<String, UserRows>> rowsByStream,
                                                        Map<String, ApplyStore.Reviewed> approved, List<Entity> entities,
                                                        ChunkWriter writer) throws SQLException {
            List<MappedUser> mapped;
            try {
                mapped = mapTogether(mapper, ids, chunk, rowsByStream, entities);
            } catch (RuntimeException chunkFailure) {
                mapped = new ArrayList<>();
                for (String user : chunk) {
                    try {
                        mapped.addAll(mapTogether(mapper, ids, List.of(user), rowsByStream, entities));
                    } catch (RuntimeException userFailure) {
                        markFailed(user, "mapping failed: " + describe(userFailure));
                    }
                }
            }
            List<ChunkWriter.PreparedUser> ready = new ArrayList<>();
            Map<String, String> sourceChangedUsers = new LinkedHashMap<>();
            Map<String, List<TargetFingerprint.Meeting>> targetChangedUsers = new LinkedHashMap<>();
            List<Finding> changedFindings = new ArrayList<>();
            for (MappedUser user : mapped) {
                ApplyStore.Reviewed reviewed = approved.get(user.user());
                String fingerprint = user.mapping().result().fingerprint();
                if (!reviewed.sourceFingerprint().equals(fingerprint)) {
                    sourceChangedUsers.put(user.user(), fingerprint);
                    changedFindings.add(new Finding(user.user(), entities.get(0).name(), FindingKind.SOURCE_CHANGED, null,
                            List.of(Json.NODES.textNode(reviewed.sourceFingerprint()), Json.NODES.textNode(fingerprint)), null, List.of(),
                            "the legacy rows of this user changed after the batch was approved (fingerprint " + reviewed.sourceFingerprint()
                                    + " then, " + fingerprint + " now); the user was not applied. Dry-run the user again, review,"
                                    + " and approve the batch again."));
                } else if (!reviewed.targetFingerprint().equals(user.target().value())) {
                    targetChangedUsers.put(user.user(), user.target().meetings());
                } else {
                    try {
                        ready.add(writer.prepare(entities, user, reviewed.targetFingerprint()));
                    } catch (RuntimeException e) {
                        markFailed(user.user(), "preparing its rows failed: " + describe(e));
                    }
                }
            }
            if (!sourceChangedUsers.isEmpty()) {
                retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                    List<String> held = new ArrayList<>(sourceChangedUsers.keySet());
                    store.holdBack(connection, held, UserStatus.SOURCE_CHANGED, "legacy rows changed after approval");
                    Map<String, Integer> none = new LinkedHashMap<>();
                    held.forEach(u -> none.put(u, 0));
                    store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.SOURCE_CHANGED, none, Map.of());
                    store.recordFindings(connection, runId, changedFindings);
                    return null;
                }), listener::onNote);
                sourceChanged += sourceChangedUsers.size();
                sourceChangedUsers.keySet().forEach(u -> listener.onUser(u, ApplyListener.Outcome.SOURCE_CHANGED, 0,
                        "legacy rows changed after approval"));
            }
            if (!targetChangedUsers.isEmpty()) {
                retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                    holdTargetChanged(connection, targetChangedUsers);
                    return null;
                }), listener::onNote);
                countTargetChanged(targetChangedUsers);
            }
            return ready;
        }

        private List<MappedUser> mapTogether(ChunkMapper mapper, IdMapStore ids, List<String> users,
                                             Map<String, Map<String, UserRows>> rowsByStream, List<Entity> entities) throws SQLException {
            return withConnection(connection -> {
                List<MappedUser> mapped = mapper.map(connection, users, rowsByStream, entities);
                Transactions.inTransaction(connection, c -> {
                    ids.flush(c);
                    return null;
                });
                return mapped;
            });
        }

        /** Holds users back whose rows meet other target rows now than at review, naming those rows, in the caller's transaction. */
        private void holdTargetChanged(Connection connection, Map<String, List<TargetFingerprint.Meeting>> users) throws SQLException {
            List<Finding> findings = new ArrayList<>();
            Map<String, String> messages = new LinkedHashMap<>();
            Map<String, Integer> none = new LinkedHashMap<>();
            for (Map.Entry<String, List<TargetFingerprint.Meeting>> user : users.entrySet()) {
                List<TargetFingerprint.Meeting> meetings = user.getValue();
                List<String> described = meetings.stream().limit(MEETINGS_SHOWN)
                        .map(m -> m.describe(plan.requireEntity(m.entity()))).toList();
                String message = "target rows its rows meet changed after review (the live app wrote them): "
                        + (described.isEmpty() ? "rows it met at review are gone" : String.join("; ", described))
                        + (meetings.size() > MEETINGS_SHOWN ? "; and " + (meetings.size() - MEETINGS_SHOWN) + " more" : "")
                        + ". Dry-run the user again ('backfill dry-run PLAN --user " + user.getKey() + "'), review, and approve the batch again.";
                messages.put(user.getKey(), message);
                none.put(user.getKey(), 0);
                if (meetings.isEmpty()) {
                    findings.add(new Finding(user.getKey(), plan.entities().get(0).name(), FindingKind.TARGET_CHANGED, null, List.of(),
                            null, List.of(), message));
                }
                for (TargetFingerprint.Meeting meeting : meetings.stream().limit(MEETINGS_SHOWN).toList()) {
                    Entity entity = plan.requireEntity(meeting.entity());
                    findings.add(new Finding(user.getKey(), meeting.entity(), FindingKind.TARGET_CHANGED,
                            meeting.byKey() ? String.join(",", entity.key()) : entity.id().column(),
                            List.of(Json.NODES.textNode(meeting.candidate())), Json.NODES.textNode(meeting.existing()), List.of(),
                            meeting.describe(entity) + ", written after the review; the user was not applied. Dry-run the user again,"
                                    + " review, and approve the batch again."));
                }
                store.holdBack(connection, List.of(user.getKey()), UserStatus.TARGET_CHANGED, message);
            }
            store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.TARGET_CHANGED, none, messages);
            store.recordFindings(connection, runId, findings);
        }

        private void countTargetChanged(Map<String, List<TargetFingerprint.Meeting>> users) {
            targetChanged += users.size();
            users.forEach((user, meetings) -> listener.onUser(user, ApplyListener.Outcome.TARGET_CHANGED, 0,
                    "target rows its rows meet changed after review: " + meetings.stream().limit(3)
                            .map(m -> m.describe(plan.requireEntity(m.entity()))).toList()));
        }

        /** Writes the users together; if that fails for a non-transient reason, halves until the failing users stand alone. */
        private void writeIsolated(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
            if (users.isEmpty()) {
                return;
            }
            try {
                retry.run(() -> writeOnce(writer, entities, users), listener::onNote);
            } catch (WrittenCheck.RowsDiffer differ) {
                // the check named the users whose rows the target changed: they fail alone, the others are written again
                for (Map.Entry<String, String> user : differ.users().entrySet()) {
                    markFailed(user.getKey(), user.getValue());
                }
                writeIsolated(writer, entities, users.stream().filter(u -> !differ.users().containsKey(u.user())).toList());
            } catch (SQLException | RuntimeException e) {
                if (e instanceof SQLException sql && Retry.isTransient(sql)) {
                    throw sql;
                }
                if (users.size() == 1) {
                    markFailed(users.get(0).user(), describe(e));
                    return;
                }
                int half = users.size() / 2;
                writeIsolated(writer, entities, users.subList(0, half));
                writeIsolated(writer, entities, users.subList(half, users.size()));
            }
        }

        private Void writeOnce(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
            ChunkWriter.Written written = Transactions.inTransaction(workspace.target(), connection -> {
                // A retry after a lost acknowledgement must not write a user twice: drop users no longer approved.
                Set<String> done = store.notApproved(connection, users.stream().map(ChunkWriter.PreparedUser::user).toList());
                List<ChunkWriter.PreparedUser> todo = users.stream().filter(u -> !done.contains(u.user())).toList();
                if (todo.isEmpty()) {
                    return ChunkWriter.Written.NOTHING;
                }
                ChunkWriter.Written result = writer.write(connection, runId, batchNo, entities, todo);
                if (!result.rows().isEmpty()) {
                    store.markMigrated(connection, new ArrayList<>(result.rows().keySet()));
                    store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.APPLIED, result.rows(), Map.of());
                }
                if (!result.targetChanged().isEmpty()) {
                    holdTargetChanged(connection, result.targetChanged());
                }
                return result;
            });
            for (Map.Entry<String, Integer> user : written.rows().entrySet()) {
                applied++;
                rows += user.getValue();
                listener.onUser(user.getKey(), ApplyListener.Outcome.APPLIED, user.getValue(), null);
            }
            countTargetChanged(written.targetChanged());
            waiting += written.waiting();
            released += written.released();
            rows += written.released();
            if (written.released() > 0) {
                listener.onNote(written.released() + " row(s) of other users that waited for these users' rows are written now");
            }
            return null;
        }

        private void markFailed(String user, String message) throws SQLException {
            retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                store.holdBack(connection, List.of(user), UserStatus.FAILED, message);
                store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.FAILED, Map.of(user, 0), Map.of(user, message));
                return null;
            }), listener::onNote);
            failed++;
            listener.onUser(user, ApplyListener.Outcome.FAILED, 0, message);
        }

        private void throttle() {
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

    /** A failure as one line for the operator: the database's message and SQLSTATE, or the Java error's. */
    static String describe(Throwable e) {
        if (e instanceof SQLException sql) {
            return Retry.describe(sql);
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip());
    }
}
