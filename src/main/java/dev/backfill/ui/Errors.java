package dev.backfill.ui;

import dev.backfill.plan.InvalidPlanException;
import java.sql.SQLException;

/** Turns a failure into the sentence a person reads: the engine's own message, never a stack trace. */
public final class Errors {

    private Errors() {}

    public static String describe(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof java.util.concurrent.ExecutionException
                || cause instanceof java.lang.reflect.InvocationTargetException)) {
            cause = cause.getCause();
        }
        if (cause instanceof InvalidPlanException invalid) {
            return invalid.getMessage();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (cause instanceof SQLException sql && sql.getSQLState() != null && !message.contains(sql.getSQLState())) {
            message += " (SQLSTATE " + sql.getSQLState() + ")";
        }
        return message;
    }
}
