package dev.backfill.errors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;

/**
 * What went wrong, as the CLI and the workbench both tell it: a sentence, the commands that get the
 * operator on, and its kind (which the CLI maps to an exit code). Anything that is not one of the
 * typed errors, a database error or an I/O error is an internal error: a bug to report.
 */
public record Failure(Kind kind, String message, List<String> hints) {

    public enum Kind { REFUSED, INVALID_INPUT, UNREACHABLE, FAILED, INTERNAL }

    public static Failure of(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof BackfillException known) {
            return new Failure(kindOf(known), known.getMessage(), known.hints());
        }
        if (cause instanceof SQLException sql) {
            String state = sql.getSQLState();
            String message = "Database error: " + text(sql) + (state == null || text(sql).contains(state) ? "" : " (SQLSTATE " + state + ")");
            return new Failure(state != null && state.startsWith("08") ? Kind.UNREACHABLE : Kind.FAILED, message, List.of());
        }
        if (cause instanceof IOException || cause instanceof UncheckedIOException) {
            return new Failure(Kind.FAILED, text(cause), List.of());
        }
        return new Failure(Kind.INTERNAL, "Internal error: " + cause + ". Nothing more was written than what was already reported;"
                + " this is a bug in Backfill Workbench: please report it with the log (BACKFILL_LOG_LEVEL=DEBUG shows more).", List.of());
    }

    private static Kind kindOf(BackfillException known) {
        if (known instanceof RefusedException) {
            return Kind.REFUSED;
        }
        if (known instanceof InvalidInputException) {
            return Kind.INVALID_INPUT;
        }
        if (known instanceof UnreachableException) {
            return Kind.UNREACHABLE;
        }
        return Kind.FAILED;
    }

    /** The error that says what happened, past the wrappers executors and reflection put around it. */
    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof java.util.concurrent.ExecutionException
                || cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.lang.reflect.InvocationTargetException)) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String text(Throwable error) {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage().strip();
    }
}
