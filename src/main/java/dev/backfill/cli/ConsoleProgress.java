package dev.backfill.cli;

import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;

/** Prints progress to stderr at most once a second. */
final class ConsoleProgress implements ProgressListener {
    private final PrintWriter err;
    private long lastPrinted;

    ConsoleProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void onProgress(Progress p) {
        long now = System.nanoTime();
        boolean done = p.usersTotal() > 0 && p.usersDone() >= p.usersTotal();
        if (now - lastPrinted < 1_000_000_000L && !done) {
            return;
        }
        lastPrinted = now;
        StringBuilder line = new StringBuilder(p.phase()).append(": ");
        if (p.countsUsers()) {
            line.append(String.format("%,d", p.usersDone()));
            if (p.usersTotal() > 0) {
                line.append(" / ").append(String.format("%,d", p.usersTotal()));
            }
            line.append(" users, ");
        }
        line.append(String.format("%,d", p.rowsDone())).append(" rows, ")
                .append(String.format("%,.0f", p.rowsPerSecond())).append(" rows/s");
        if (p.eta() != null && !done) {
            line.append(", about ").append(format(p.eta())).append(" left");
        }
        err.println(line);
        err.flush();
    }

    static String format(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds < 60 ? seconds + " s" : String.format("%d:%02d min", seconds / 60, seconds % 60);
    }
}
