package dev.backfill.cli;

import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Progress;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

/** Apply's progress, every user not applied (with why) and the notes, on stderr; counts the users held back. */
final class ConsoleApplyListener implements ApplyListener {
    private final PrintWriter err;
    private final ConsoleProgress progress;
    private final AtomicInteger heldBack = new AtomicInteger();

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

    int heldBack() {
        return heldBack.get();
    }
}
