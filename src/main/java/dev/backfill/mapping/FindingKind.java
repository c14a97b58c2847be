package dev.backfill.mapping;

/** What a dry-run finding is about. */
public enum FindingKind {
    /** Grouped rows disagree on a column; one value was chosen. */
    FIELD_CONFLICT,
    /** Two rows of one user share a natural key; the first is kept. */
    DUPLICATE_KEY,
    /** The target already has a row with this natural key; it is skipped or updated as the plan says. */
    EXISTING_TARGET_ROW,
    /** A legacy value cannot be converted to the target type. */
    INVALID_VALUE,
    /** A required field is empty; the row is not migrated. */
    MISSING_REQUIRED,
    /** A reference resolves to no row; the row is skipped (or the column nulled, as the plan says). */
    ORPHAN_REFERENCE,
    /** A key in a legacy JSON document that no part of the plan reads; the data is not migrated. */
    UNMAPPED_FIELD,
    /** Older rows of a user were dropped in favour of the latest one. */
    SUPERSEDED_ROW,
    /** The user's legacy rows changed after approval; the user was not applied. */
    SOURCE_CHANGED,
    /** Target rows the user's rows meet (by natural key or id) changed after review; the user was not applied. */
    TARGET_CHANGED,
    /** A field the plan reads is in no legacy record of the dry run (a misspelt JSON path): NULL for every user. */
    FIELD_NOT_FOUND,
    /** Rows of one user reference each other in a circle (a reply to its own reply); they are not migrated. */
    REFERENCE_CYCLE,
    /** A reference names another user's row and the plan says not to wait for it (on_other_user: skip); not migrated. */
    OTHER_USER_REFERENCE
}
