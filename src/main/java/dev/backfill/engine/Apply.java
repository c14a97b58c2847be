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
                         double seconds, boolean paused, boolean nothingToDo, int waiting, int released, int writers) {
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
                    listener.onNote("Writing batch " + batchNo + " failed: " + describe(e) + ". Its chunks go to the other writers when"
                            + " this worker's lease runs out; trying again in " + Math.round(pollSeconds) + " s.");
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
                return new Result(batchNo, BatchState.APPLIED, 0, 0, 0, 0, 0, 0, false, true, 0, 0, writers);
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
                .put("seconds", Math.round(result.seconds() * 1000) / 1000.0)
                .put("rows_per_second", Math.round(result.rowsPerSecond())).put("paused", result.paused());
    }

    /** What every writer of one run shares: the approved users with what was reviewed, and how to map and write them. */
    private record Prepared(Map<String, ApplyStore.Reviewed> approved, boolean shared, List<Entity> entities, TargetShape shape,
                            TargetShape stored, Map<String, Map<String, Object>> sharedIds) {}

    /** One run of apply over one batch: the run that starts it (and finishes it), or a worker's help with it. */
    private final class Execution {
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
        private final String interrupted;
        private final AtomicBoolean stopLanes = new AtomicBoolean();
        private int applied;
        private int failed;
        private int sourceChanged;
        private int targetChanged;
        private long rows;
        private int waiting;
        private int released;
        private int chunksDone;

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
            this.interrupted = "The apply of batch " + batchNo + " was interrupted; every user is either wholly applied or not at all."
                    + " Apply again to resume.";
        }

        /** Starts the batch: cuts its approved users into chunks, writes them with this process's writers (and any workers), finishes it. */
        Result run() throws SQLException {
            Prepared prepared = prepare();
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
            try (Heartbeat beating = new Heartbeat("apply")) {
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
            return result(state, paused);
        }

        /** A worker's part: writes chunks of the batch while there are any to claim; the run that started the batch finishes it. */
        Result help() throws SQLException {
            Prepared prepared = prepare();
            try (Heartbeat beating = new Heartbeat("worker")) {
                boolean paused = runLanes(prepared);
                if (paused) {
                    listener.onNote("Batch " + batchNo + " is paused (or this worker was stopped): it stopped after the chunks it was"
                            + " writing.");
                }
                BatchState state = withConnection(connection -> batches.get(connection, batchNo).orElseThrow().state());
                return result(state, paused);
            }
        }

        private synchronized Result result(BatchState state, boolean paused) {
            return new Result(batchNo, state, applied, failed, sourceChanged, targetChanged, rows, (System.nanoTime() - start) / 1e9,
                    paused, false, waiting, released, writers);
        }

        private Prepared prepare() throws SQLException {
            TargetShape shape = workspace.catalog().shape();
            Map<String, ApplyStore.Reviewed> approved = withConnection(connection -> store.approvedUsers(connection, batchNo, approval.id()));
            boolean shared = batchNo == 0 && approved.containsKey(DryRunStore.SHARED_USER);
            List<Entity> entities = plan.entities().stream().filter(e -> e.shared() == shared).toList();
            Map<String, Map<String, Object>> sharedIds = shared || !plan.hasSharedEntities() ? Map.of() : sharedIds(shape, control.idMap());
            return new Prepared(approved, shared, entities, shape, workspace.catalog().storedShape(), sharedIds);
        }

        /**
         * Writes until every chunk of the batch is done, by this process or another: when the chunks left are
         * held by other writers, waits for them, and takes over any whose holder's lease runs out. Returns
         * whether it paused.
         */
        private boolean writeAll(Prepared prepared) throws SQLException {
            while (true) {
                if (runLanes(prepared)) {
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

        /** Runs this process's writers until none finds a chunk to claim; returns whether they stopped for a pause. */
        private boolean runLanes(Prepared prepared) throws SQLException {
            if (writers == 1) {
                return new Lane(prepared, 1).run();
            }
            List<Lane> lanes = new ArrayList<>();
            for (int i = 1; i <= writers; i++) {
                lanes.add(new Lane(prepared, i));
            }
            List<Stage> stages = new ArrayList<>();
            try {
                List<Future<Boolean>> running = new ArrayList<>();
                for (Lane lane : lanes) {
                    Stage stage = new Stage("backfill-apply-writer-" + stages.size(), interrupted);
                    stages.add(stage);
                    running.add(stage.submit(lane::run));
                }
                boolean paused = false;
                Throwable failure = null;
                for (int i = 0; i < running.size(); i++) {
                    try {
                        paused |= stages.get(i).await(running.get(i));
                    } catch (SQLException | RuntimeException | Error e) {
                        stopLanes.set(true); // the other writers stop after the chunk they are writing
                        if (failure == null) {
                            failure = e;
                        } else if (failure != e) {
                            failure.addSuppressed(e);
                        }
                    }
                }
                if (failure instanceof SQLException sql) {
                    throw sql;
                }
                if (failure instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (failure instanceof Error error) {
                    throw error;
                }
                return paused;
            } finally {
                stages.forEach(Stage::close);
            }
        }

        private void requireLock(long usersDone) {
            if (!lock.isHeld()) {
                throw new ApplyInterruptedException("Lost the plan's lock (its database connection was closed); stopped after "
                        + usersDone + " users. Apply again to resume: nothing is written twice.", batchNo);
            }
        }

        private boolean stopRequested() throws SQLException {
            if (stopLanes.get()) {
                return true;
            }
            if (pause.isRequested()) {
                if (startedIt) {
                    // the operator paused: every writer of the batch, in any process, stops after its chunk
                    withConnection(connection -> batches.requestPause(connection, batchNo));
                }
                return true;
            }
            return pauseRequestedInDatabase();
        }

        /** Keeps this process's leases and its line in the workers table fresh while it writes. */
        private final class Heartbeat implements AutoCloseable {
            private final java.util.concurrent.ScheduledExecutorService beats;

            Heartbeat(String role) throws SQLException {
                withConnection(connection -> {
                    chunks.register(connection, writerName, Workspace.host(), ProcessHandle.current().pid(), role, writers);
                    return null;
                });
                beats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "backfill-apply-heartbeat");
                    thread.setDaemon(true);
                    return thread;
                });
                long every = Math.max(100, (long) (leaseSeconds * 1000 / 3));
                beats.scheduleWithFixedDelay(this::beat, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
            }

            private void beat() {
                try (Connection connection = workspace.target().getConnection()) {
                    chunks.renew(connection, writerName, leaseSeconds);
                    report(connection, batchNo);
                } catch (SQLException | RuntimeException e) {
                    // the next beat tries again; a lease that runs out meanwhile only lets another writer take the chunk over
                }
            }

            private void report(Connection connection, Integer batch) throws SQLException {
                double seconds = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
                int chunksNow;
                int usersNow;
                long rowsNow;
                synchronized (Execution.this) {
                    chunksNow = chunksDone;
                    usersNow = applied + failed + sourceChanged + targetChanged;
                    rowsNow = rows;
                }
                chunks.heartbeat(connection, writerName, batch, chunksNow, usersNow, rowsNow, rowsNow / seconds);
            }

            @Override
            public void close() {
                beats.shutdownNow();
                try (Connection connection = workspace.target().getConnection()) {
                    report(connection, null);
                    chunks.stopped(connection, writerName);
                } catch (SQLException | RuntimeException e) {
                    // the workers table shows it silent, then not alive
                }
            }
        }

        /**
         * One writer: claims a chunk, and overlaps three stages over its chunks: the reader fetches the next
         * chunk's legacy rows, this thread maps and hashes the current one, the writer commits the previous
         * one. The writer is at most one chunk behind, so a pause or a lost lock stops after the chunk being
         * written. Returns whether it stopped for a pause.
         */
        private final class Lane {
            private final Prepared prepared;
            private final int number;
            private final IdMapStore ids = control.idMap();
            private final ChunkMapper mapper;
            private final ChunkWriter writer;

            Lane(Prepared prepared, int number) throws SQLException {
                this.prepared = prepared;
                this.number = number;
                MappingContext context = new MappingContext(plan, prepared.shape(), ids, prepared.sharedIds(), new PathCoverage(plan),
                        new ChunkDirectory(plan, control.directory(), true));
                this.mapper = new ChunkMapper(context, ids, Set.of());
                WrittenCheck check = withConnection(connection -> WrittenCheck.forServer(connection, prepared.stored()));
                this.writer = new ChunkWriter(new ApplyStatements(store, prepared.shape()), prepared.shape(), prepared.stored(), store,
                        new PendingRows(plan, prepared.shape(), control.pending()), check);
            }

            /** A chunk's users still to write, and their legacy rows. */
            private record Loaded(ChunkStore.Claim claim, List<String> users, Map<String, Map<String, UserRows>> legacy) {}

            boolean run() throws SQLException {
                try (Stage reader = new Stage("backfill-apply-reader-" + number, interrupted);
                     Stage writing = new Stage("backfill-apply-writer-" + number, interrupted)) {
                    ChunkStore.Claim current = stopRequested() ? null : claim();
                    if (current == null) {
                        return stopRequested() && !stopLanes.get();
                    }
                    ChunkStore.Claim first = current;
                    Future<Loaded> next = reader.submit(() -> load(first));
                    Future<?> written = CompletableFuture.completedFuture(null);
                    ChunkStore.Claim following = null;
                    try {
                        while (current != null) {
                            requireLock(progressUsers());
                            Loaded loaded = reader.await(next);
                            following = stopRequested() ? null : claim();
                            ChunkStore.Claim toRead = following;
                            next = toRead == null ? null : reader.submit(() -> load(toRead));
                            List<ChunkWriter.PreparedUser> ready = mapChunk(mapper, ids, loaded.users(), loaded.legacy(), prepared.approved(),
                                    prepared.entities(), writer);
                            writing.await(written);
                            if (stopRequested()) {
                                // the chunk just mapped is given back unwritten; whoever resumes maps it again
                                giveBack(current);
                                giveBack(following);
                                return !stopLanes.get();
                            }
                            ChunkStore.Claim claim = current;
                            written = writing.submit(() -> {
                                long chunkRows = writeIsolated(writer, prepared.entities(), ready);
                                finish(claim, loaded.claim().users().size(), chunkRows);
                                throttle();
                                return null;
                            });
                            current = following;
                        }
                        writing.await(written);
                        return false;
                    } catch (SQLException | RuntimeException | Error e) {
                        // Never return (and release the plan's lock) while a chunk may still be committing.
                        awaitQuietly(writing, written, e);
                        giveBackQuietly(current, e);
                        giveBackQuietly(following, e);
                        throw e;
                    }
                }
            }

            private ChunkStore.Claim claim() throws SQLException {
                return withConnection(connection -> chunks.claim(connection, batchNo, writerName, leaseSeconds)).orElse(null);
            }

            /**
             * Runs on the reader thread: the claim's users this run still has to write (a chunk taken over
             * from a writer that died may hold users it wrote), and their legacy rows.
             */
            private Loaded load(ChunkStore.Claim claim) throws SQLException {
                List<String> approved = claim.users().stream().filter(prepared.approved()::containsKey).toList();
                Set<String> done = claim.claims() > 1 && !approved.isEmpty()
                        ? withConnection(connection -> store.notApproved(connection, approved)) : Set.of();
                List<String> users = approved.stream().filter(u -> !done.contains(u)).toList();
                SourceChunks source = new SourceChunks(workspace);
                Map<String, Map<String, UserRows>> legacy = users.isEmpty() ? Map.of() : prepared.shared() ? source.shared() : source.users(users);
                return new Loaded(claim, users, legacy);
            }

            private void finish(ChunkStore.Claim claim, int users, long chunkRows) throws SQLException {
                withConnection(connection -> {
                    chunks.done(connection, claim, users, chunkRows);
                    return null;
                });
                synchronized (Execution.this) {
                    chunksDone++;
                }
                ChunkStore.Totals totals = withConnection(connection -> chunks.totals(connection, batchNo));
                Progress progress = Progress.of("Applying batch " + batchNo, (int) totals.usersDone(), (int) totals.usersTotal(),
                        totals.rowsDone(), start);
                listener.onProgress(progress);
                recordProgress(progress, false);
            }

            private void giveBack(ChunkStore.Claim claim) throws SQLException {
                if (claim != null) {
                    withConnection(connection -> {
                        chunks.release(connection, claim, writerName);
                        return null;
                    });
                }
            }

            private void giveBackQuietly(ChunkStore.Claim claim, Throwable failure) {
                try {
                    giveBack(claim);
                } catch (SQLException | RuntimeException e) {
                    failure.addSuppressed(e); // its lease runs out, and another writer takes it over
                }
            }
        }

        private synchronized long progressUsers() {
            return applied + failed + sourceChanged + targetChanged;
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
                synchronized (this) {
                    sourceChanged += sourceChangedUsers.size();
                }
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
            synchronized (this) {
                targetChanged += users.size();
            }
            users.forEach((user, meetings) -> listener.onUser(user, ApplyListener.Outcome.TARGET_CHANGED, 0,
                    "target rows its rows meet changed after review: " + meetings.stream().limit(3)
                            .map(m -> m.describe(plan.requireEntity(m.entity()))).toList()));
        }

        /**
         * Writes the users together; if that fails for a non-transient reason, halves until the failing users
         * stand alone. Returns the rows written (with the waiting rows of other users these released).
         */
        private long writeIsolated(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
            if (users.isEmpty()) {
                return 0;
            }
            try {
                return retry.run(() -> writeOnce(writer, entities, users), listener::onNote);
            } catch (WrittenCheck.RowsDiffer differ) {
                // the check named the users whose rows the target changed: they fail alone, the others are written again
                for (Map.Entry<String, String> user : differ.users().entrySet()) {
                    markFailed(user.getKey(), user.getValue());
                }
                return writeIsolated(writer, entities, users.stream().filter(u -> !differ.users().containsKey(u.user())).toList());
            } catch (SQLException | RuntimeException e) {
                if (e instanceof SQLException sql && Retry.isTransient(sql)) {
                    throw sql;
                }
                if (users.size() == 1) {
                    markFailed(users.get(0).user(), describe(e));
                    return 0;
                }
                int half = users.size() / 2;
                return writeIsolated(writer, entities, users.subList(0, half))
                        + writeIsolated(writer, entities, users.subList(half, users.size()));
            }
        }

        private long writeOnce(ChunkWriter writer, List<Entity> entities, List<ChunkWriter.PreparedUser> users) throws SQLException {
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
            long chunkRows = written.released();
            for (Map.Entry<String, Integer> user : written.rows().entrySet()) {
                chunkRows += user.getValue();
            }
            synchronized (this) {
                applied += written.rows().size();
                rows += chunkRows;
                waiting += written.waiting();
                released += written.released();
            }
            for (Map.Entry<String, Integer> user : written.rows().entrySet()) {
                listener.onUser(user.getKey(), ApplyListener.Outcome.APPLIED, user.getValue(), null);
            }
            countTargetChanged(written.targetChanged());
            if (written.released() > 0) {
                listener.onNote(written.released() + " row(s) of other users that waited for these users' rows are written now");
            }
            return chunkRows;
        }

        private void markFailed(String user, String message) throws SQLException {
            retry.run(() -> Transactions.inTransaction(workspace.target(), connection -> {
                store.holdBack(connection, List.of(user), UserStatus.FAILED, message);
                store.recordOutcomes(connection, runId, batchNo, ApplyStore.Outcome.FAILED, Map.of(user, 0), Map.of(user, message));
                return null;
            }), listener::onNote);
            synchronized (this) {
                failed++;
            }
            listener.onUser(user, ApplyListener.Outcome.FAILED, 0, message);
        }

        private void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Cancellation.CancelledException(interrupted);
            }
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

        /** Whether an operator asked the batch to pause, or it is not being applied any more (it paused, another run ended it). */
        private boolean pauseRequestedInDatabase() throws SQLException {
            return withConnection(connection -> !batches.writable(connection, batchNo));
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
