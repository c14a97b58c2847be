package dev.backfill.engine;

/** Receives progress of a long operation, on the thread doing the work. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = progress -> { };

    void onProgress(Progress progress);
}
