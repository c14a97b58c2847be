package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.ApplyStore;
import dev.backfill.control.BatchStore;
import dev.backfill.control.ChunkStore;
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
import dev.backfill.mapping.Json;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
                         double seconds, boolean paused, boolean nothingToDo, int waiting, int released, int refused,
                         int writers) {
        public double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-3);
        }

        public int heldBack() {
            return failed + sourceChanged + targetChanged;
        }

        /** Users held back or waiting rows refused: something the operator has to look at before going on. */
        public boolean toReview() {
            return !nothingToDo && (heldBack() > 0 || refused > 0);
        }

        /** What happened to rows that reference other users' rows, or empty when none did. */
        public Optional<String> referencesNote() {
            if (waiting == 0 && released == 0 && refused == 0) {
                return Optional.empty();
            }
            List<String> parts = new ArrayList<>();
            if (waiting > 0) {
                parts.add(String.format("%,d row(s) wait for rows of users not migrated yet (written when those users are applied)", waiting));
            }
            if (released > 0) {
                parts.add(String.format("%,d waiting row(s) of earlier batches were written", released));
            }
            if (refused > 0) {
                parts.add(String.format("%,d waiting row(s) of earlier batches were refused by the target and still wait"
                        + " ('backfill batches PLAN --batch N' shows why)", refused));
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
    private final int writers;
    private final double leaseSeconds;

    /**
     * Writers of one process, unless the operator says otherwise: one per core of this machine, at most 4.
     * PostgreSQL does not tell a client its cores; with the JVM and the target on one machine (the demo,
     * the bench) they are the same cores, and beyond 4 the writers wait on each other's locks more than
     * they write. Measured on the parts demo: see the README's performance section.
     */
    public static final int DEFAULT_WRITERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** How long a writer's claim on a chunk lasts without a heartbeat before another writer may take the chunk over. */
    public static final double DEFAULT_LEASE_SECONDS = 30;

    /**
     * Users committed together unless the operator says otherwise. Measured on the parts demo: 100 users
     * a commit cost 31 s per 100,000 rows, 500 about 24 s, 2,000 about 22 s; a failing user is found
     * by halving, so a bigger chunk costs a few more retries, and a pause waits for one chunk more.
     */
    public static final int DEFAULT_CHUNK_USERS = 500;

    public Apply(Workspace workspace, int chunkUsers, long throttleMillis) {
        this(workspace, chunkUsers, throttleMillis, DEFAULT_WRITERS, DEFAULT_LEASE_SECONDS);
    }

    /**
     * @param chunkUsers     users committed together
     * @param throttleMillis pause between commits (per writer), to leave a live database room
     * @param writers        chunks written at once by this process, each on its own connection
     * @param leaseSeconds   how long a claim on a chunk outlives its writer's last heartbeat
     */
    public Apply(Workspace workspace, int chunkUsers, long throttleMillis, int writers, double leaseSeconds) {
        if (writers < 1 || writers > 64) {
            throw new dev.backfill.errors.InvalidInputException("Writers are 1 to 64 connections writing at once, not " + writers + ".");
        }
        if (!(leaseSeconds >= 1 && leaseSeconds <= 3600)) {
            throw new dev.backfill.errors.InvalidInputException("A lease lasts 1 to 3,600 seconds, not " + leaseSeconds + ".");
        }
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
        this.writers = writers;
        this.leaseSeconds = leaseSeconds;
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

    /** What a worker did before it stopped. */
    public record WorkReport(String worker, int batches, int applied, int heldBack, long rows, double seconds) {
        public double rowsPerSecond() {
            return rows / Math.max(seconds, 1e-3);
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger WRITER_SETS = new java.util.concurrent.atomic.AtomicInteger();

    /** This Apply's name in the chunks it claims and in the workers table: host, process id, and which Apply of the process. */
    private final String writerName = Workspace.host() + ":" + ProcessHandle.current().pid() + ":" + WRITER_SETS.incrementAndGet();

    /**
     * Works as a worker ({@code backfill worker}): helps write every batch an operator's apply has started,
     * claiming its chunks alongside the applying process and other workers, until {@code stop} is requested
     * (after the chunks it is writing), or, with {@code untilIdle}, until no started batch has a chunk left
     * to claim. An operator's pause stops it after its chunks too; it then waits for the next started batch.
     * A worker never starts or finishes a batch: the operator's apply does.
     */
    public WorkReport work(ApplyListener listener, PauseSignal stop, double pollSeconds, boolean untilIdle) throws SQLException {
        long start = System.nanoTime();
        String name = writerName;
        Plan plan = workspace.plan();
        int batchesHelped = 0;
        int applied = 0;
        int heldBack = 0;
        long rows = 0;
        while (!stop.isRequested()) {
            List<Integer> started = Transactions.read(workspace.target(), connection -> control.chunks().batchesToHelp(connection));
            if (started.isEmpty()) {
                if (untilIdle) {
                    break;
                }
                idle(pollSeconds, stop);
                continue;
            }
            int batchNo = started.get(0);
            PlanLock lock;
            try {
                lock = control.sharedLock("worker " + name + " (" + Workspace.actor() + ")");
            } catch (dev.backfill.control.PlanBusyException busy) {
                idle(pollSeconds, stop); // the operator holds the plan alone for a moment (starting the batch, a rollback)
                continue;
            }
            try (lock) {
                BatchStore.Approval approval = Transactions.read(workspace.target(), connection -> {
                    BatchView batch = control.batches().get(connection, batchNo).orElseThrow();
                    return batch.state() == BatchState.APPLYING ? control.batches().approvalOf(connection, batchNo).orElse(null) : null;
                });
                if (approval == null) {
                    continue;
                }
                if (!approval.planChecksum().equals(plan.checksum())) {
                    throw new dev.backfill.errors.InvalidInputException("Batch " + batchNo + " was approved under plan checksum "
                            + approval.planChecksum() + ", but this worker's plan file has checksum " + plan.checksum()
                            + ": a worker writes only what was reviewed. Give the worker the same plan file as the operator's.");
                }
                long runId = control.runs().start(RunKind.APPLY, batchNo, plan.checksum(), System.getProperty("user.name", "unknown"),
                        Workspace.host());
                Execution execution = new Execution(runId, batchNo, approval, lock, listener, stop, System.nanoTime(), name, false);
                try {
                    Result result = execution.help();
                    control.runs().finish(runId, result.paused() ? RunStatus.PAUSED : RunStatus.DONE, detail(result).put("worker", name));
                    batchesHelped++;
                    applied += result.applied();
                    heldBack += result.heldBack();
                    rows += result.rows();
                } catch (SQLException | RuntimeException e) {
                    try {
                        control.runs().finish(runId, RunStatus.FAILED, Json.NODES.objectNode().put("error", String.valueOf(e.getMessage()))
                                .put("worker", name));
                    } catch (SQLException | RuntimeException notRecorded) {
                        e.addSuppressed(notRecorded);
                    }
                    if (e instanceof Cancellation.CancelledException) {
                        throw e;
                    }
                    listener.onNote("Writing batch " + batchNo + " failed: " + ChunkOutcomes.describe(e) + ". Its chunks go to the other"
                            + " writers when this worker's lease runs out; trying again in " + Math.round(pollSeconds) + " s.");
                    idle(pollSeconds, stop);
                }
            }
        }
        return new WorkReport(name, batchesHelped, applied, heldBack, rows, (System.nanoTime() - start) / 1e9);
    }

    private static void idle(double seconds, PauseSignal stop) {
        long until = System.nanoTime() + (long) (seconds * 1e9);
        while (!stop.isRequested() && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.request();
            }
        }
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
                return new Result(batchNo, BatchState.APPLIED, 0, 0, 0, 0, 0, 0, false, true, 0, 0, 0, writers);
            }
            long runId = control.runs().start(RunKind.APPLY, batchNo, plan.checksum(), System.getProperty("user.name", "unknown"),
                    Workspace.host());
            Execution execution = new Execution(runId, batchNo, approval, lock, listener, pause, start, writerName, true);
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
                .put("rows_refused", result.refused())
                .put("seconds", Math.round(result.seconds() * 1000) / 1000.0)
                .put("rows_per_second", Math.round(result.rowsPerSecond())).put("paused", result.paused());
    }

    /** One run of apply over one batch: the run that starts it (and finishes it), or a worker's help with it. */
    private final class Execution implements ApplyLane.RunControl {
        private final long runId;
        private final int batchNo;
        private final BatchStore.Approval approval;
        private final PlanLock lock;
        private final ApplyListener listener;
        private final PauseSignal pause;
        private final long start;
        private final String writerName;
        private final boolean startedIt;
        private final Plan plan = workspace.plan();
        private final ApplyStore store = control.applies();
        private final BatchStore batches = control.batches();
        private final ChunkStore chunks = control.chunks();
        private final Retry retry = new Retry(workspace.plan().retry().attempts(), workspace.plan().retry().backoffMillis());
        private final ApplyTally tally = new ApplyTally();
        private final ApplyContext context;

        Execution(long runId, int batchNo, BatchStore.Approval approval, PlanLock lock, ApplyListener listener, PauseSignal pause,
                  long start, String writerName, boolean startedIt) {
            this.runId = runId;
            this.batchNo = batchNo;
            this.approval = approval;
            this.lock = lock;
            this.listener = ApplyListener.serial(listener);
            this.pause = pause;
            this.start = start;
            this.writerName = writerName;
            this.startedIt = startedIt;
            this.context = new ApplyContext(workspace, store, chunks, retry, this.listener, runId, batchNo, writerName, leaseSeconds, start,
                    tally);
        }

        /** Starts the batch: cuts its approved users into chunks, writes them with this process's writers (and any workers), finishes it. */
        Result run() throws SQLException {
            ApplyLane.Prepared prepared = prepare();
            List<String> users = new ArrayList<>(prepared.approved().keySet());
            List<List<String>> cut = new ArrayList<>();
            for (int from = 0; from < users.size(); from += chunkUsers) {
                cut.add(List.copyOf(users.subList(from, Math.min(users.size(), from + chunkUsers))));
            }
            retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                chunks.replace(connection, batchNo, approval.id(), cut);
                return null;
            }), listener::onNote);
            lock.share("apply of batch " + batchNo + " by " + Workspace.actor() + " (with any workers)");
            boolean paused;
            try (ApplyHeartbeat beating = new ApplyHeartbeat(context, "apply", writers)) {
                paused = writeAll(prepared);
                if (paused) {
                    awaitOtherWriters();
                }
            }
            BatchState state = Transactions.inTransaction(workspace.target(), connection -> {
                batches.lockQueue(connection);
                BatchView batch = batches.get(connection, batchNo).orElseThrow();
                BatchEvent end = paused ? BatchEvent.PAUSE_APPLY
                        : batch.usersMigrated() == batch.users() ? BatchEvent.FINISH_ALL_MIGRATED : BatchEvent.FINISH_SOME_HELD_BACK;
                BatchState to = batches.transition(connection, batchNo, batch.state(), end);
                if (paused) {
                    chunks.dropOpen(connection, batchNo); // a paused batch stays APPLYING: no worker may take its chunks up
                }
                batches.clearPause(connection, batchNo);
                return to;
            });
            withConnection(connection -> {
                store.refreshStatistics(connection);
                return null;
            });
            ChunkStore.Totals totals = withConnection(connection -> chunks.totals(connection, batchNo));
            if (paused) {
                // once, for every writer of the batch: the chunks dropped at the pause no longer count
                listener.onNote("Paused after " + totals.usersDone() + " of " + users.size() + " users; apply again to resume.");
            }
            recordProgress(Progress.of(paused ? "Paused" : "Done", (int) totals.usersDone(), users.size(), totals.rowsDone(), start), paused);
            return everyWritersResult(state, paused, prepared.approved().keySet());
        }

        /**
         * The batch's outcome as every writer left it (this process's and any worker's, in this run or before it
         * under the same approval): the users this run set out to apply that are applied, every user of the batch
         * held back, and the waiting rows the target refused when the batch's applies released them since it was
         * approved. Rows, time and writers stay this process's.
         */
        private Result everyWritersResult(BatchState state, boolean paused, Set<String> users) throws SQLException {
            ApplyStore.Outcomes outcomes = withConnection(connection -> store.outcomes(connection, batchNo, users));
            int refused = withConnection(connection -> control.pending().countRefusedBy(connection, batchNo, approval.id()));
            ApplyTally.Counts own = tally.counts();
            return new Result(batchNo, state, outcomes.applied(), outcomes.failed(), outcomes.sourceChanged(), outcomes.targetChanged(),
                    own.rows(), (System.nanoTime() - start) / 1e9, paused, false, own.waiting(), own.released(), refused, writers);
        }

        /** A worker's part: writes chunks of the batch while there are any to claim; the run that started the batch finishes it. */
        Result help() throws SQLException {
            ApplyLane.Prepared prepared = prepare();
            try (ApplyHeartbeat beating = new ApplyHeartbeat(context, "worker", writers)) {
                boolean paused = ApplyLane.runAll(context, this, prepared, writers);
                if (paused) {
                    listener.onNote("Batch " + batchNo + " is paused (or this worker was stopped): it stopped after the chunks it was"
                            + " writing.");
                }
                BatchState state = withConnection(connection -> batches.get(connection, batchNo).orElseThrow().state());
                return result(state, paused);
            }
        }

        private Result result(BatchState state, boolean paused) {
            ApplyTally.Counts counts = tally.counts();
            return new Result(batchNo, state, counts.applied(), counts.failed(), counts.sourceChanged(), counts.targetChanged(),
                    counts.rows(), (System.nanoTime() - start) / 1e9, paused, false, counts.waiting(), counts.released(),
                    counts.refused(), writers);
        }

        private ApplyLane.Prepared prepare() throws SQLException {
            TargetShape shape = workspace.catalog().shape();
            Map<String, ApplyStore.Reviewed> approved = withConnection(connection -> store.approvedUsers(connection, batchNo, approval.id()));
            boolean shared = batchNo == 0 && approved.containsKey(DryRunStore.SHARED_USER);
            List<Entity> entities = plan.entities().stream().filter(e -> e.shared() == shared).toList();
            Map<String, Map<String, Object>> sharedIds = shared || !plan.hasSharedEntities() ? Map.of() : sharedIds(shape, control.idMap());
            Set<Entity> uniqueGuarded = withConnection(connection -> UniqueGuards.of(connection, entities, shape,
                    workspace.catalog().storedShape()));
            return new ApplyLane.Prepared(approved, shared, entities, shape, workspace.catalog().storedShape(), sharedIds, uniqueGuarded);
        }

        /**
         * Writes until every chunk of the batch is done, by this process or another: when the chunks left are
         * held by other writers, waits for them, and takes over any whose holder's lease runs out. Returns
         * whether it paused.
         */
        private boolean writeAll(ApplyLane.Prepared prepared) throws SQLException {
            while (true) {
                if (ApplyLane.runAll(context, this, prepared, writers)) {
                    return true;
                }
                ChunkStore.Totals totals = withConnection(connection -> chunks.totals(connection, batchNo));
                if (totals.open() == 0) {
                    return false;
                }
                if (pause.isRequested() || pauseRequestedInDatabase()) {
                    return true;
                }
                requireLock(totals.usersDone());
                sleep(200);
            }
        }

        /** After a pause, the batch changes state only once the other writers finished the chunks they hold (their leases say). */
        private void awaitOtherWriters() throws SQLException {
            long deadline = System.nanoTime() + (long) (leaseSeconds * 2e9);
            while (System.nanoTime() < deadline && withConnection(connection -> chunks.heldByOthers(connection, batchNo, writerName)) > 0) {
                sleep(200);
            }
        }

        @Override
        public void requireLock(long usersDone) {
            if (!lock.isHeld()) {
                throw new ApplyInterruptedException("Lost the plan's lock (its database connection was closed); stopped after "
                        + usersDone + " users. Apply again to resume: nothing is written twice.", batchNo);
            }
        }

        @Override
        public boolean pauseRequested() throws SQLException {
            if (pause.isRequested()) {
                if (startedIt) {
                    // the operator paused: every writer of the batch, in any process, stops after its chunk
                    withConnection(connection -> batches.requestPause(connection, batchNo));
                }
                return true;
            }
            return pauseRequestedInDatabase();
        }

        private Map<String, Map<String, Object>> sharedIds(TargetShape shape, IdMapStore ids) throws SQLException {
            try (Connection connection = workspace.target().getConnection()) {
                return new SourceChunks(workspace).mapShared(connection, shape, ids, Set.of()).ids();
            }
        }

        private void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Cancellation.CancelledException(context.interrupted());
            }
        }

        @Override
        public void throttle() {
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

        /** Whether an operator asked the batch to pause, or it is not being applied any more (it paused, another run ended it). */
        private boolean pauseRequestedInDatabase() throws SQLException {
            return withConnection(connection -> !batches.writable(connection, batchNo));
        }

        private <T> T withConnection(Transactions.Work<T> work) throws SQLException {
            return context.withConnection(work);
        }

        @Override
        public void recordProgress(Progress progress, boolean paused) throws SQLException {
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
