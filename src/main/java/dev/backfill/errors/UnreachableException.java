package dev.backfill.errors;

import java.util.List;

/** A database or file the plan names cannot be reached or opened. Nothing was touched. */
public non-sealed class UnreachableException extends BackfillException {
    private static final long serialVersionUID = 1L;

    public UnreachableException(String message, Throwable cause) {
        super(message, List.of(), cause);
    }
}
