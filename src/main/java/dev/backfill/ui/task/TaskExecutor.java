package dev.backfill.ui.task;

/** Runs background tasks; the one way screens start work that touches a database or a file. */
public interface TaskExecutor {

    <T> void execute(BackgroundTask<T> task);

    /** Runs a small update on the UI thread (later, in the app; at once, in tests). */
    void onUiThread(Runnable update);

    /** Stops accepting tasks; running ones finish. */
    void shutdown();
}
