package dev.backfill.lifecycle;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a batch is in its life. The allowed transitions are {@link #TRANSITIONS}: engine, CLI and
 * workbench all go through {@link #after}, and the table in operations.md is checked against it.
 */
public enum BatchState {
    /** Formed by the dry run; waits for approval. */
    PLANNED("waits for approval"),
    /** Approved with the reviewed fingerprints; waits for apply. */
    APPROVED("approved, waits for apply"),
    /** Apply started; left so by a pause, crash or kill, and resumed by applying again. */
    APPLYING("being applied, or paused mid-apply"),
    /** Every user of the batch is migrated. */
    APPLIED("every user migrated"),
    /** Apply ended, or its approval was withdrawn, with users not migrated; each keeps its reason. */
    HELD_BACK("some users held back"),
    /** Rolled back; users kept because the live app changed their rows stay migrated. */
    ROLLED_BACK("rolled back");

    private final String meaning;

    BatchState(String meaning) {
        this.meaning = meaning;
    }

    public String meaning() {
        return meaning;
    }

    /** From state, on event, to state: the whole lifecycle. */
    public static final Map<BatchState, Map<BatchEvent, BatchState>> TRANSITIONS = transitions();

    private static Map<BatchState, Map<BatchEvent, BatchState>> transitions() {
        Map<BatchState, Map<BatchEvent, BatchState>> t = new EnumMap<>(BatchState.class);
        for (BatchState state : values()) {
            t.put(state, new EnumMap<>(BatchEvent.class));
        }
        t.get(PLANNED).put(BatchEvent.APPROVE, APPROVED);
        t.get(ROLLED_BACK).put(BatchEvent.APPROVE, APPROVED);
        t.get(HELD_BACK).put(BatchEvent.APPROVE, APPROVED);
        t.get(APPROVED).put(BatchEvent.START_APPLY, APPLYING);
        t.get(APPLYING).put(BatchEvent.START_APPLY, APPLYING);
        t.get(APPLYING).put(BatchEvent.PAUSE_APPLY, APPLYING);
        t.get(APPLYING).put(BatchEvent.FINISH_ALL_MIGRATED, APPLIED);
        t.get(APPLYING).put(BatchEvent.FINISH_SOME_HELD_BACK, HELD_BACK);
        t.get(APPROVED).put(BatchEvent.REVIEW_AGAIN, HELD_BACK);
        t.get(APPLYING).put(BatchEvent.REVIEW_AGAIN, HELD_BACK);
        t.get(HELD_BACK).put(BatchEvent.LAST_USERS_SETTLED, APPLIED);
        t.get(APPLYING).put(BatchEvent.ROLL_BACK, ROLLED_BACK);
        t.get(APPLIED).put(BatchEvent.ROLL_BACK, ROLLED_BACK);
        t.get(HELD_BACK).put(BatchEvent.ROLL_BACK, ROLLED_BACK);
        t.get(ROLLED_BACK).put(BatchEvent.ROLL_BACK, ROLLED_BACK);
        Map<BatchState, Map<BatchEvent, BatchState>> frozen = new EnumMap<>(BatchState.class);
        t.forEach((state, events) -> frozen.put(state, Collections.unmodifiableMap(events)));
        return Collections.unmodifiableMap(frozen);
    }

    /** The state this event leads to, or empty when the event is not allowed here. */
    public Optional<BatchState> next(BatchEvent event) {
        return Optional.ofNullable(TRANSITIONS.get(this).get(event));
    }

    /**
     * The state this event leads to.
     *
     * @throws IllegalStateException when the transition is not in the lifecycle: a bug, since every
     *                               command asks {@link BatchQueue} first
     */
    public BatchState after(BatchEvent event) {
        return next(event).orElseThrow(() -> new IllegalStateException("a batch that is " + this + " cannot " + event.command()));
    }
}
