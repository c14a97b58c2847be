package dev.backfill.errors;

import java.util.List;

/** The command line, a plan value or a named batch or user is wrong. Nothing was touched. */
public non-sealed class InvalidInputException extends BackfillException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message, List<String> hints) {
        super(message, hints, null);
    }

    public InvalidInputException(String message) {
        this(message, List.of());
    }
}
