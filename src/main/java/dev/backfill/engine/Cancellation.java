package dev.backfill.engine;

import java.util.concurrent.atomic.AtomicBoolean;

/** Asks a running operation to stop at its next safe point. */
public final class Cancellation {
    private final AtomicBoolean requested = new AtomicBoolean();

    public void request() {
        requested.set(true);
    }

    public boolean isRequested() {
        return requested.get() || Thread.currentThread().isInterrupted();
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
