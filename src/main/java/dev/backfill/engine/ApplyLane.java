package dev.backfill.engine;

import dev.backfill.control.ApplyStore;
import dev.backfill.control.ChunkStore;
import dev.backfill.control.Control;
import dev.backfill.control.IdMapStore;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PathCoverage;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.source.UserRows;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer: claims a chunk, and overlaps three stages over its chunks: the reader fetches the next
 * chunk's legacy rows, this thread maps and hashes the current one, the writer commits the previous
 * one. The writer is at most one chunk behind, so a pause or a lost lock stops after the chunk being
 * written. A process's writers run side by side ({@link #runAll}), each on its own connection.
 */
final class ApplyLane {
    /**
     * What every writer of one run shares: the approved users with what was reviewed, and how to map and write them;
     * {@code uniqueGuarded}: the entities whose look-up the target's unique indexes stand in for ({@link UniqueGuards}).
     */
    record Prepared(Map<String, ApplyStore.Reviewed> approved, boolean shared, List<Entity> entities, TargetShape shape,
                    TargetShape stored, Map<String, Map<String, Object>> sharedIds, Set<Entity> uniqueGuarded) {}

    /** What a writer asks of the run it writes for, between chunks: the run alone knows its pause, its lock and its throttle. */
    interface RunControl {
        /** Whether the batch is to pause (asked in this process or in another) or this process to stop. */
        boolean pauseRequested() throws SQLException;

        /** Throws once this process lost the plan's lock (its connection closed): nothing is written without it. */
        void requireLock(long usersDone);

        /** Waits after a commit as long as the operator asked, to leave a live database room. */
        void throttle();

        /** Keeps the batch's progress in its row of the batches table. */
        void recordProgress(Progress progress, boolean paused) throws SQLException;
    }

    private final ApplyContext context;
    private final RunControl runControl;
    private final Prepared prepared;
    private final int number;
    private final ChunkStore chunks;
    private final IdMapStore ids;
    private final ChunkMapper mapper;
    private final ChunkWriter writer;
    private final ChunkOutcomes outcomes;
    private final AtomicBoolean writerFailed;

    /** Runs this process's writers until none finds a chunk to claim; returns whether they stopped for a pause. */
    static boolean runAll(ApplyContext context, RunControl runControl, Prepared prepared, int writers) throws SQLException {
        AtomicBoolean writerFailed = new AtomicBoolean();
        if (writers == 1) {
            return new ApplyLane(context, runControl, prepared, 1, writerFailed).run();
        }
        List<ApplyLane> lanes = new ArrayList<>();
        for (int i = 1; i <= writers; i++) {
            lanes.add(new ApplyLane(context, runControl, prepared, i, writerFailed));
        }
        List<Stage> stages = new ArrayList<>();
        try {
            List<Future<Boolean>> running = new ArrayList<>();
            for (ApplyLane lane : lanes) {
                Stage stage = new Stage("backfill-apply-writer-" + stages.size(), context.interrupted());
                stages.add(stage);
                running.add(stage.submit(lane::run));
            }
            boolean paused = false;
            Throwable failure = null;
            for (int i = 0; i < running.size(); i++) {
                try {
                    paused |= stages.get(i).await(running.get(i));
                } catch (SQLException | RuntimeException | Error e) {
                    writerFailed.set(true); // the other writers stop after the chunk they are writing
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

    /** {@code number}: which writer of this process it is, in its threads' names. */
    private ApplyLane(ApplyContext context, RunControl runControl, Prepared prepared, int number, AtomicBoolean writerFailed)
            throws SQLException {
        this.context = context;
        this.runControl = runControl;
        this.prepared = prepared;
        this.number = number;
        this.writerFailed = writerFailed;
        this.chunks = context.chunks();
        Plan plan = context.workspace().plan();
        Control control = context.workspace().control();
        ApplyStore store = context.store();
        this.ids = control.idMap();
        MappingContext mapping = new MappingContext(plan, prepared.shape(), ids, prepared.sharedIds(), new PathCoverage(plan),
                new ChunkDirectory(plan, control.directory(), true));
        this.mapper = ChunkMapper.forApply(mapping, ids,
                user -> TargetFingerprint.NOTHING_MET.equals(prepared.approved().get(user).targetFingerprint()));
        WrittenCheck check = context.withConnection(connection -> WrittenCheck.forServer(connection, prepared.shape(), prepared.stored()));
        this.writer = new ChunkWriter(new ApplyStatements(store, prepared.shape()), prepared.shape(), prepared.stored(), store,
                new PendingRows(plan, prepared.shape(), control.pending()), check, prepared.uniqueGuarded());
        this.outcomes = new ChunkOutcomes(context);
    }

    /** Writes chunks until none is left to claim or it must stop; returns whether it stopped for a pause. */
    private boolean run() throws SQLException {
        String interrupted = context.interrupted();
        try (Stage reader = new Stage("backfill-apply-reader-" + number, interrupted);
             Stage writing = new Stage("backfill-apply-writer-" + number, interrupted)) {
            ChunkStore.Claim current = stopRequested() ? null : claim();
            if (current == null) {
                return stopRequested() && !writerFailed.get();
            }
            ChunkStore.Claim first = current;
            Future<Loaded> next = reader.submit(() -> load(first));
            Future<?> written = CompletableFuture.completedFuture(null);
            ChunkStore.Claim following = null;
            try {
                while (current != null) {
                    runControl.requireLock(context.tally().usersDone());
                    Loaded loaded = reader.await(next);
                    following = stopRequested() ? null : claim();
                    ChunkStore.Claim toRead = following;
                    next = toRead == null ? null : reader.submit(() -> load(toRead));
                    List<ChunkWriter.PreparedUser> ready = outcomes.mapChunk(mapper, ids, loaded.users(), loaded.legacy(),
                            prepared.approved(), prepared.entities(), writer);
                    writing.await(written);
                    if (stopRequested()) {
                        // the chunk just mapped is given back unwritten; whoever resumes maps it again
                        giveBack(current);
                        giveBack(following);
                        return !writerFailed.get();
                    }
                    ChunkStore.Claim claim = current;
                    // not the Loaded: its legacy rows would stay in the heap until the chunk is written
                    int claimedUsers = loaded.claim().users().size();
                    written = writing.submit(() -> {
                        long chunkRows = outcomes.writeIsolated(writer, prepared.entities(), ready);
                        finish(claim, claimedUsers, chunkRows);
                        runControl.throttle();
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

    /** Whether to stop after the chunk being written: another writer of this process failed, or the batch is to pause. */
    private boolean stopRequested() throws SQLException {
        return writerFailed.get() || runControl.pauseRequested();
    }

    private ChunkStore.Claim claim() throws SQLException {
        return context.withConnection(connection -> chunks.claim(connection, context.batchNo(), context.writerName(),
                context.leaseSeconds())).orElse(null);
    }

    /** A chunk's users still to write, and their legacy rows. */
    private record Loaded(ChunkStore.Claim claim, List<String> users, Map<String, Map<String, UserRows>> legacy) {}

    /**
     * Runs on the reader thread: the claim's users this run still has to write (a chunk taken over
     * from a writer that died may hold users it wrote), and their legacy rows.
     */
    private Loaded load(ChunkStore.Claim claim) throws SQLException {
        List<String> approved = claim.users().stream().filter(prepared.approved()::containsKey).toList();
        Set<String> done = claim.claims() > 1 && !approved.isEmpty()
                ? context.withConnection(connection -> context.store().notApproved(connection, approved)) : Set.of();
        List<String> users = approved.stream().filter(u -> !done.contains(u)).toList();
        SourceChunks source = new SourceChunks(context.workspace());
        Map<String, Map<String, UserRows>> legacy = users.isEmpty() ? Map.of() : prepared.shared() ? source.shared() : source.users(users);
        return new Loaded(claim, users, legacy);
    }

    private void finish(ChunkStore.Claim claim, int users, long chunkRows) throws SQLException {
        context.withConnection(connection -> {
            chunks.done(connection, claim, users, chunkRows);
            return null;
        });
        context.tally().chunkDone();
        int batchNo = context.batchNo();
        ChunkStore.Totals totals = context.withConnection(connection -> chunks.totals(connection, batchNo));
        Progress progress = Progress.of("Applying batch " + batchNo, (int) totals.usersDone(), (int) totals.usersTotal(),
                totals.rowsDone(), context.start());
        context.listener().onProgress(progress);
        runControl.recordProgress(progress, false);
    }

    private void giveBack(ChunkStore.Claim claim) throws SQLException {
        if (claim != null) {
            context.withConnection(connection -> {
                chunks.release(connection, claim, context.writerName());
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

    private static void awaitQuietly(Stage stage, Future<?> work, Throwable failure) {
        try {
            stage.await(work);
        } catch (SQLException | RuntimeException | Error e) {
            if (e != failure) {
                failure.addSuppressed(e);
            }
        }
    }
}
