package dev.backfill.ui.common;

import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressText;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How numbers, times and progress read on screen. */
public final class Formats {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Formats() {}

    public static String count(long n) {
        return String.format("%,d", n);
    }

    public static String when(OffsetDateTime time) {
        return time == null ? "" : WHEN.format(time.atZoneSameInstant(ZoneId.systemDefault()));
    }

    /** The command line's progress line: "Mapping users: 12,000 / 100,000 users · 85,000 rows · 12,345 rows/s · ETA 42 s". */
    public static String progress(Progress p) {
        return ProgressText.line(p);
    }
}
