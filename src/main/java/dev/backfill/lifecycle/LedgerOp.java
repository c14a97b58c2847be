package dev.backfill.lifecycle;

import java.util.Locale;

/** What apply did to the target rows of one ledger row; rollback undoes it. */
public enum LedgerOp {
    /** Rows apply inserted: rollback deletes them. */
    INSERT,
    /** Existing rows apply updated: rollback restores their before-images. */
    UPDATE;

    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static LedgerOp of(String stored) {
        return valueOf(stored.toUpperCase(Locale.ROOT));
    }
}
