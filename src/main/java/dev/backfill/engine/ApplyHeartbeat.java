package dev.backfill.engine;

import dev.backfill.control.ChunkStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Keeps this process's leases and its line in the workers table fresh while it writes. */
final class ApplyHeartbeat implements AutoCloseable {
    private final ApplyContext context;
    private final ChunkStore chunks;
    private final ScheduledExecutorService beats;

    /** {@code role}: what the workers table shows this process as; {@code writers}: how many it runs at once. */
    ApplyHeartbeat(ApplyContext context, String role, int writers) throws SQLException {
        this.context = context;
        this.chunks = context.chunks();
        context.withConnection(connection -> {
            chunks.register(connection, context.writerName(), Workspace.host(), ProcessHandle.current().pid(), role, writers);
            return null;
        });
        beats = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "backfill-apply-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        long every = Math.max(100, (long) (context.leaseSeconds() * 1000 / 3));
        beats.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try (Connection connection = context.workspace().target().getConnection()) {
            chunks.renew(connection, context.writerName(), context.leaseSeconds());
            report(connection, context.batchNo());
        } catch (SQLException | RuntimeException e) {
            // the next beat tries again; a lease that runs out meanwhile only lets another writer take the chunk over
        }
    }

    private void report(Connection connection, Integer batch) throws SQLException {
        double seconds = Math.max((System.nanoTime() - context.start()) / 1e9, 1e-3);
        ApplyTally.Counts counts = context.tally().counts();
        long rowsNow = counts.rows();
        chunks.heartbeat(connection, context.writerName(), batch, counts.chunksDone(), counts.usersDone(), rowsNow, rowsNow / seconds);
    }

    @Override
    public void close() {
        beats.shutdownNow();
        try (Connection connection = context.workspace().target().getConnection()) {
            report(connection, context.batchNo()); // a finished writer still shows the batch it wrote
            chunks.stopped(connection, context.writerName());
        } catch (SQLException | RuntimeException e) {
            // the workers table shows it silent, then not alive
        }
    }
}
