package dev.backfill.control;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

/** One batch of the queue as the operator sees it. */
public record BatchView(
        int number,
        BigDecimal position,
        BatchState state,
        int users,
        int legacyRows,
        int plannedRows,
        int findings,
        String approvedBy,
        OffsetDateTime approvedAt,
        int usersMigrated,
        int usersFailed,
        int usersSourceChanged,
        boolean pauseRequested,
        String progressJson) {

    /** Users that still have to be applied. */
    public int usersPending() {
        return users - usersMigrated;
    }
}
