package dev.backfill.lifecycle;

import java.util.Locale;

/** How a run ended; RUNNING until it does. A run left RUNNING by a killed process becomes INTERRUPTED. */
public enum RunStatus {
    RUNNING, DONE, FAILED, PAUSED, CANCELLED, INTERRUPTED;

    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RunStatus of(String stored) {
        return valueOf(stored.toUpperCase(Locale.ROOT));
    }
}
