package dev.backfill.engine;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/** Asks a running operation to stop at its next safe point. */
public final class Cancellation {
    private final AtomicBoolean requested = new AtomicBoolean();
    private final BooleanSupplier askedElsewhere;

    public Cancellation() {
        this(() -> false);
    }

    private Cancellation(BooleanSupplier askedElsewhere) {
        this.askedElsewhere = askedElsewhere;
    }

    /** A cancellation requested by whoever holds {@code cancelled} (e.g. the workbench's task). */
    public static Cancellation when(BooleanSupplier cancelled) {
        return new Cancellation(cancelled);
    }

    public void request() {
        requested.set(true);
    }

    public boolean isRequested() {
        return requested.get() || askedElsewhere.getAsBoolean() || Thread.currentThread().isInterrupted();
    }

    /** Thrown at a safe point once cancellation was requested. */
    public static final class CancelledException extends dev.backfill.errors.FailedException {
        private static final long serialVersionUID = 1L;

        public CancelledException(String message) {
            super(message, null);
        }
    }

    public void check(String what) {
        if (isRequested()) {
            throw new CancelledException(what + " was cancelled; nothing it did was kept");
        }
    }
}
