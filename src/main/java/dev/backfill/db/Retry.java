package dev.backfill.db;

import java.sql.SQLException;
import java.util.function.Consumer;

/** Retries work that failed for a transient reason, with doubling backoff; everything else fails at once. */
public final class Retry {
    private final int attempts;
    private final long backoffMillis;

    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws SQLException;
    }

    public Retry(int attempts, long backoffMillis) {
        this.attempts = Math.max(1, attempts);
        this.backoffMillis = Math.max(0, backoffMillis);
    }

    public <T> T run(Attempt<T> attempt, Consumer<String> onRetry) throws SQLException {
        long wait = backoffMillis;
        for (int i = 1; ; i++) {
            try {
                return attempt.run();
            } catch (SQLException e) {
                if (i >= attempts || !isTransient(e)) {
                    throw e;
                }
                onRetry.accept("attempt " + i + " of " + attempts + " failed (" + describe(e) + "); retrying in " + wait + " ms");
                sleep(wait);
                wait = Math.max(1, wait * 2);
            }
        }
    }

    /** Serialization failure, deadlock, lost connection, server shutting down or too many connections. */
    public static boolean isTransient(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.equals("40001") || state.equals("40P01") || state.startsWith("08")
                        || state.equals("57P01") || state.equals("57P02") || state.equals("57P03") || state.equals("53300")) {
                    return true;
                }
            }
        }
        return false;
    }

    public static String describe(SQLException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return (e.getSQLState() == null ? "" : "SQLSTATE " + e.getSQLState() + ": ") + message.strip();
    }

    private static void sleep(long millis) throws SQLException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting to retry", "57014", e);
        }
    }
}
