package dev.backfill.cli;

import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.ProgressText;
import java.io.PrintWriter;

/**
 * Prints progress to stderr: the first report, the first one that knows the time left, the last one,
 * and between them at most one a second. Safe to call from several threads (parallel writers).
 */
final class ConsoleProgress implements ProgressListener {
    private static final long INTERVAL_NANOS = 1_000_000_000L;
    private final PrintWriter err;
    private boolean printed;
    private boolean etaPrinted;
    private long lastPrinted;

    ConsoleProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public synchronized void onProgress(Progress p) {
        long now = System.nanoTime();
        boolean firstEta = p.eta() != null && !etaPrinted;
        if (printed && !firstEta && !p.finished() && now - lastPrinted < INTERVAL_NANOS) {
            return;
        }
        printed = true;
        etaPrinted |= p.eta() != null;
        lastPrinted = now;
        err.println(ProgressText.line(p));
        err.flush();
    }
}
