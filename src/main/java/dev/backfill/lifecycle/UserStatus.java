package dev.backfill.lifecycle;

import java.util.Locale;

/**
 * Where one user of a plan is. Stored lower-case in the control schema's users table. Exactly one
 * holds at any time; {@link #HELD_BACK} are the ones an apply held back, each with its reason.
 */
public enum UserStatus {
    /** Reviewed by a dry run; waits for its batch to be approved. */
    PLANNED,
    /** In an approved batch, with the fingerprints the DBA reviewed. */
    APPROVED,
    /** Its rows are written, with their ledger rows. */
    MIGRATED,
    /** Apply failed for it alone; the database's (or the mapping's) message is kept. */
    FAILED,
    /** Its legacy rows changed after approval; not applied. Review it again. */
    SOURCE_CHANGED,
    /** The target rows its planned rows meet changed after review (the live app wrote them); not applied. Review it again. */
    TARGET_CHANGED,
    /** Its batch was rolled back; its rows are gone from the target. */
    ROLLED_BACK;

    /** Users an apply held back: approving them again needs no new review for FAILED, and a new review for the others. */
    public static final java.util.Set<UserStatus> HELD_BACK = java.util.EnumSet.of(FAILED, SOURCE_CHANGED, TARGET_CHANGED);

    /** The value stored in the control schema. */
    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static UserStatus of(String stored) {
        return valueOf(stored.toUpperCase(Locale.ROOT));
    }

    /** A user that must be reviewed again (a dry run of it) before it can be approved. */
    public boolean needsReview() {
        return this == SOURCE_CHANGED || this == TARGET_CHANGED;
    }

    /** A user an approval may cover without a new review. */
    public boolean approvable() {
        return this == PLANNED || this == APPROVED || this == FAILED || this == ROLLED_BACK;
    }
}
