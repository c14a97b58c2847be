package dev.backfill.lifecycle;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/**
 * One batch of the queue as the operator sees it: its state, its users by status, and whether its
 * approval still holds.
 */
public record BatchView(
        int number,
        BigDecimal position,
        BatchState state,
        int users,
        int legacyRows,
        int plannedRows,
        int findings,
        ApprovalValidity approval,
        String approvedBy,
        OffsetDateTime approvedAt,
        int usersMigrated,
        int usersFailed,
        int usersSourceChanged,
        int usersTargetChanged,
        boolean pauseRequested,
        String progressJson) {

    /** Users that still have to be applied. */
    public int usersPending() {
        return users - usersMigrated;
    }

    /** Users an apply held back (failed, or changed since review). */
    public int usersHeldBack() {
        return usersFailed + usersSourceChanged + usersTargetChanged;
    }

    /** Users that must be reviewed again (a dry run of them) before the batch can be approved again. */
    public int usersToReview() {
        return usersSourceChanged + usersTargetChanged;
    }
}
