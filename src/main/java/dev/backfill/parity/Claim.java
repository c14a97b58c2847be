package dev.backfill.parity;

import dev.backfill.db.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Parity's work that whichever of its two connections gets to first runs; the other goes on. The second
 * connection may leave work it could not lock in time ({@link SharedSnapshot#submit}); the first one runs
 * whatever is left when it needs the result.
 */
final class Claim<T> {
    private final Transactions.Work<T> work;
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CompletableFuture<T> result = new CompletableFuture<>();

    Claim(Transactions.Work<T> work) {
        this.work = work;
    }

    void runIfUnclaimed(Connection connection) throws SQLException {
        run(connection, false);
    }

    /**
     * On the second connection: as {@link #runIfUnclaimed}, but work that waited too long for a lock is
     * left unclaimed for the first connection, and the failure thrown.
     */
    void runOrLeave(Connection connection) throws SQLException {
        run(connection, true);
    }

    private void run(Connection connection, boolean leaveOnLockWait) throws SQLException {
        if (!claimed.compareAndSet(false, true)) {
            return;
        }
        try {
            result.complete(work.run(connection));
        } catch (Throwable e) {
            if (leaveOnLockWait && e instanceof SQLException sql && SharedSnapshot.lockWaitedTooLong(sql)) {
                claimed.set(false);
            } else {
                // an Error too: the other thread may be waiting for this result
                result.completeExceptionally(e);
            }
            throw e;
        }
    }

    /** On the first connection: the result, running the work here whenever no thread holds it. */
    T await(SharedSnapshot snapshot) throws SQLException {
        while (!result.isDone()) {
            runIfUnclaimed(snapshot.connection());
            try {
                result.get(20, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException notYetOrFailed) {
                // failed: reported below; not yet: the other thread may still leave it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return snapshot.await(result);
    }

    /** Claims the work without running it, so the other thread skips it too: no one will read its result. */
    void abandon() {
        if (claimed.compareAndSet(false, true)) {
            result.completeExceptionally(new CancellationException("parity stopped before this work ran"));
        }
    }
}
