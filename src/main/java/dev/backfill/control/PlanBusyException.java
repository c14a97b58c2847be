package dev.backfill.control;

import dev.backfill.errors.RefusedException;
import java.util.List;

/** Another process holds the plan's lock; the message says who and since when. */
public final class PlanBusyException extends RefusedException {
    private static final long serialVersionUID = 1L;

    public PlanBusyException(String message) {
        super(message, List.of("backfill pause PLAN"));
    }
}
