package dev.backfill.db;

/** A database or file the plan names cannot be reached; the message says which and what to do. */
public final class CannotConnectException extends dev.backfill.errors.UnreachableException {
    private static final long serialVersionUID = 1L;

    public CannotConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
