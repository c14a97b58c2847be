package dev.backfill.cli;

import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Progress;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Apply's progress, every user not applied (with why), the notes and the warnings, on stderr; counts the users
 * held back and the warnings (each something to act on: apply then exits with "to review").
 */
final class ConsoleApplyListener implements ApplyListener {
    private final PrintWriter err;
    private final ConsoleProgress progress;
    private final AtomicInteger heldBack = new AtomicInteger();
    private final AtomicInteger warnings = new AtomicInteger();

    ConsoleApplyListener(PrintWriter err) {
        this.err = err;
        this.progress = new ConsoleProgress(err);
    }

    @Override
    public void onProgress(Progress p) {
        progress.onProgress(p);
    }

    @Override
    public void onUser(String user, Outcome outcome, int rows, String message) {
        if (outcome != Outcome.APPLIED) {
            heldBack.incrementAndGet();
            err.printf("  %s %s: %s%n", outcome, user, message);
        }
    }

    @Override
    public void onNote(String message) {
        err.println(message);
    }

    @Override
    public void onWarning(String message) {
        warnings.incrementAndGet();
        err.println(message);
    }

    /** Users held back, and warnings: what the operator has to look at. */
    int toReview() {
        return heldBack.get() + warnings.get();
    }
}
