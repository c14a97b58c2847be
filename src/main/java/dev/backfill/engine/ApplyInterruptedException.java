package dev.backfill.engine;

/** Apply stopped mid-batch (its lock or connection is gone); committed users stay committed, and apply resumes. */
public final class ApplyInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ApplyInterruptedException(String message) {
        super(message);
    }
}
