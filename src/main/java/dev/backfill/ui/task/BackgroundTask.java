package dev.backfill.ui.task;

import dev.backfill.engine.Progress;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Work that must not run on the FX thread, with what to do when it succeeds, fails or reports
 * progress. The callbacks run on the FX thread (or, in tests, right away).
 */
public final class BackgroundTask<T> {

    /** The work; it may report progress and should stop when {@code cancelled} says so. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Consumer<Progress> progress, java.util.function.BooleanSupplier cancelled) throws Exception;
    }

    private final String title;
    private final Body<T> body;
    private Consumer<T> onSuccess = result -> { };
    private Consumer<Throwable> onFailure = error -> { };
    private Consumer<Progress> onProgress = progress -> { };
    private Runnable onFinished = () -> { };
    private volatile boolean cancelled;

    private BackgroundTask(String title, Body<T> body) {
        this.title = title;
        this.body = body;
    }

    public static <T> BackgroundTask<T> of(String title, Body<T> body) {
        return new BackgroundTask<>(title, body);
    }

    /** Work without progress or cancellation. */
    public static <T> BackgroundTask<T> of(String title, java.util.concurrent.Callable<T> work) {
        return new BackgroundTask<>(title, (progress, cancelled) -> work.call());
    }

    public BackgroundTask<T> onSuccess(Consumer<T> handler) {
        this.onSuccess = Objects.requireNonNull(handler);
        return this;
    }

    public BackgroundTask<T> onFailure(Consumer<Throwable> handler) {
        this.onFailure = Objects.requireNonNull(handler);
        return this;
    }

    public BackgroundTask<T> onProgress(Consumer<Progress> handler) {
        this.onProgress = Objects.requireNonNull(handler);
        return this;
    }

    /** Runs after success or failure. */
    public BackgroundTask<T> onFinished(Runnable handler) {
        this.onFinished = Objects.requireNonNull(handler);
        return this;
    }

    public String title() {
        return title;
    }

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    Body<T> body() {
        return body;
    }

    Consumer<T> successHandler() {
        return onSuccess;
    }

    Consumer<Throwable> failureHandler() {
        return onFailure;
    }

    Consumer<Progress> progressHandler() {
        return onProgress;
    }

    Runnable finishedHandler() {
        return onFinished;
    }
}
