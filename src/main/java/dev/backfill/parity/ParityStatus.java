package dev.backfill.parity;

/** A parity line at a glance. Shown with its word, never by colour alone. */
public enum ParityStatus {
    /** Everything migrated so far matches. */
    OK,
    /** Something differs: counts, checksums, orphans, duplicates, or a check's value. */
    MISMATCH,
    /** Nothing differs, but users remain to be migrated. */
    PENDING
}
