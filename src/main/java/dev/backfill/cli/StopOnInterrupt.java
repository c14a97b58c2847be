package dev.backfill.cli;

import dev.backfill.engine.Apply;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT or SIGTERM) while writers run: asks them to stop after the chunks they are writing and
 * holds the JVM's exit (it only exits once its shutdown hooks return) until they have, so a chunk
 * commits or rolls back with its ledger rows instead of dying mid-transaction. Closing it says the work
 * ended on its own: a refusal or a failure afterwards is not an interruption.
 */
final class StopOnInterrupt implements AutoCloseable {
    private static final long WAIT_SECONDS = 60;

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    /** {@code stopping}: what the operator reads at Ctrl-C; {@code givingUp}: what if the writers are not done in time. */
    StopOnInterrupt(Apply.PauseSignal signal, PrintWriter err, String stopping, String givingUp) {
        this.hook = new Thread(() -> {
            if (finished.getCount() == 0) {
                return;
            }
            signal.request();
            err.println(stopping + " (up to " + WAIT_SECONDS + " s)...");
            err.flush();
            try {
                if (!finished.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    err.println(givingUp);
                    err.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-on-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting after Ctrl-C; the stop already took effect
        }
    }
}
