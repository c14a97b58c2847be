package dev.backfill.lifecycle;

import java.util.Locale;

/** What a row of the runs table records. */
public enum RunKind {
    DRY_RUN, APPLY, ROLLBACK;

    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunKind of(String stored) {
        return valueOf(stored.toUpperCase(Locale.ROOT));
    }
}
