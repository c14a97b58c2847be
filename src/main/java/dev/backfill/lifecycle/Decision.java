package dev.backfill.lifecycle;

import dev.backfill.errors.RefusedException;
import java.util.List;

/**
 * What the lifecycle says about one command: the batches it acts on, or why not with the commands
 * that get the operator on ({@code PLAN} stands for the plan file).
 */
public record Decision(List<BatchView> batches, String refusal, List<String> hints) {

    static Decision allow(List<BatchView> batches) {
        return new Decision(List.copyOf(batches), null, List.of());
    }

    static Decision allow(BatchView batch) {
        return allow(List.of(batch));
    }

    static Decision refuse(String why, String... hints) {
        return new Decision(List.of(), why, List.of(hints));
    }

    static Decision refuse(String why, List<String> hints) {
        return new Decision(List.of(), why, List.copyOf(hints));
    }

    public boolean allowed() {
        return refusal == null;
    }

    /** The one batch acted on. */
    public BatchView batch() {
        return batches.get(0);
    }

    /** The batches, or a {@link RefusedException} with the reason and hints. */
    public List<BatchView> orRefuse() {
        if (!allowed()) {
            throw new RefusedException(refusal, hints);
        }
        return batches;
    }
}
