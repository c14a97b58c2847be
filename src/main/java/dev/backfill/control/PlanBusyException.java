package dev.backfill.control;

/** Another process holds the plan's lock; the message says who and since when. */
public final class PlanBusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PlanBusyException(String message) {
        super(message);
    }
}
