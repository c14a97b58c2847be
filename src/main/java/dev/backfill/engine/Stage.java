package dev.backfill.engine;

import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One stage of a pipeline: a daemon thread that runs one piece of work at a time, so reading,
 * mapping and writing overlap. A failure in the stage surfaces, unchanged, where the caller waits.
 */
public final class Stage implements AutoCloseable {
    private final ExecutorService executor;
    private final String interrupted;

    /** {@code interrupted}: what to tell the operator if the waiting thread is interrupted. */
    public Stage(String threadName, String interrupted) {
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
        this.interrupted = interrupted;
    }

    public <T> Future<T> submit(Callable<T> work) {
        return executor.submit(work);
    }

    /** The work's result, or its exception as thrown (SQL and runtime exceptions pass through). */
    public <T> T await(Future<T> future) throws SQLException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancellation.CancelledException(interrupted);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
