package dev.backfill.ui.task;

/** Runs a task and its callbacks at once on the calling thread: ViewModel tests need no stage and no waiting. */
public final class ImmediateTaskExecutor implements TaskExecutor {

    @Override
    public <T> void execute(BackgroundTask<T> task) {
        T result;
        try {
            result = task.body().run(task.progressHandler(), task::isCancelled);
        } catch (Exception | Error e) {
            task.failureHandler().accept(e);
            task.finishedHandler().run();
            return;
        }
        task.successHandler().accept(result);
        task.finishedHandler().run();
    }

    @Override
    public void onUiThread(Runnable update) {
        update.run();
    }

    @Override
    public void shutdown() {
    }
}
