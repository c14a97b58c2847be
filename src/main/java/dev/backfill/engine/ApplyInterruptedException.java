package dev.backfill.engine;

import dev.backfill.errors.FailedException;
import java.util.List;

/** Apply stopped mid-batch (its lock or connection is gone); committed users stay committed, and apply resumes. */
public final class ApplyInterruptedException extends FailedException {
    private static final long serialVersionUID = 1L;

    public ApplyInterruptedException(String message, int batch) {
        super(message, List.of("backfill apply PLAN --batch " + batch), null);
    }
}
