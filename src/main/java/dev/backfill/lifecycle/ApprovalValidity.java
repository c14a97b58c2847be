package dev.backfill.lifecycle;

/** Whether a batch's approval still covers what apply would write. */
public enum ApprovalValidity {
    /** No approval (never approved, or withdrawn by a new review or a rollback). */
    NONE,
    /** Approved under the plan file as it is now. */
    VALID,
    /** Approved under another version of the plan file: what would be applied is not what was reviewed. */
    PLAN_CHANGED
}
