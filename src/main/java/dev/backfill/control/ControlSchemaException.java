package dev.backfill.control;

import dev.backfill.errors.UnreachableException;

/** The control schema could not be created or upgraded in the target; the message says what the target user needs. */
public final class ControlSchemaException extends UnreachableException {
    private static final long serialVersionUID = 1L;

    public ControlSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
