package dev.backfill.control;

/** Where a batch is in its life; see the state diagram in the README. */
public enum BatchState {
    PLANNED, APPROVED, APPLYING, APPLIED, APPLIED_WITH_FAILURES, ROLLED_BACK;

    /** A batch in this state has users that can still be approved and applied. */
    public boolean awaitsApproval() {
        return this == PLANNED || this == ROLLED_BACK || this == APPLIED_WITH_FAILURES;
    }
}
