package dev.backfill.errors;

import java.util.List;

/** Failed while running, for a reason the message names (not a bug). Committed users stay committed. */
public non-sealed class FailedException extends BackfillException {
    private static final long serialVersionUID = 1L;

    public FailedException(String message, Throwable cause) {
        super(message, List.of(), cause);
    }

    public FailedException(String message, List<String> hints, Throwable cause) {
        super(message, hints, cause);
    }
}
