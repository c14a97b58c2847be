package dev.backfill.errors;

import java.util.List;

/** Refused: the plan is busy elsewhere, or the batch or user is not in a state that allows this. Nothing was touched. */
public non-sealed class RefusedException extends BackfillException {
    private static final long serialVersionUID = 1L;

    public RefusedException(String message, List<String> hints) {
        super(message, hints, null);
    }

    public RefusedException(String message) {
        this(message, List.of());
    }
}
