package dev.backfill.errors;

import java.util.List;

/**
 * Something the operator must read: what happened, to what, and what to do next. Each kind maps to
 * one documented exit code (cli/ExitCodes); the hints are commands, with {@code PLAN} standing for
 * the plan file, that are accepted in the state the message describes.
 */
public abstract sealed class BackfillException extends RuntimeException
        permits RefusedException, InvalidInputException, UnreachableException, FailedException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> hints;

    protected BackfillException(String message, List<String> hints, Throwable cause) {
        super(message, cause);
        this.hints = List.copyOf(hints);
    }

    /** Commands that get the operator on from here, e.g. {@code backfill approve PLAN --batch 2}. */
    public List<String> hints() {
        return hints;
    }
}
