package dev.backfill.ui.task;

import dev.backfill.engine.Progress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javafx.application.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on named daemon threads and hands their results, failures and progress to the FX
 * thread. Progress is coalesced: the FX thread sees the latest, never a backlog.
 */
public final class FxTaskExecutor implements TaskExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(FxTaskExecutor.class);
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "backfill-ui-task-" + threads.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    @Override
    public <T> void execute(BackgroundTask<T> task) {
        pool.execute(() -> {
            AtomicReference<Progress> latest = new AtomicReference<>();
            try {
                T result = task.body().run(progress -> {
                    if (latest.getAndSet(progress) == null) {
                        Platform.runLater(() -> task.progressHandler().accept(latest.getAndSet(null)));
                    }
                }, task::isCancelled);
                Platform.runLater(() -> {
                    task.successHandler().accept(result);
                    task.finishedHandler().run();
                });
            } catch (Exception | Error e) {
                LOG.debug("Task '{}' failed", task.title(), e);
                Platform.runLater(() -> {
                    task.failureHandler().accept(e);
                    task.finishedHandler().run();
                });
            }
        });
    }

    @Override
    public void onUiThread(Runnable update) {
        Platform.runLater(update);
    }

    @Override
    public void shutdown() {
        pool.shutdown();
    }
}
