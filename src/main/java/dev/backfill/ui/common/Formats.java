package dev.backfill.ui.common;

import dev.backfill.engine.Progress;
import java.time.Duration;
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

    public static String duration(Duration duration) {
        if (duration == null) {
            return "";
        }
        long seconds = duration.toSeconds();
        return seconds < 60 ? seconds + " s" : String.format("%d:%02d min", seconds / 60, seconds % 60);
    }

    /** "Mapping users: 12,000 / 100,000 users · 85,000 rows/s · about 0:42 min left" */
    public static String progress(Progress p) {
        StringBuilder text = new StringBuilder(p.phase()).append(": ");
        if (p.countsUsers()) {
            text.append(count(p.usersDone()));
            if (p.usersTotal() > 0) {
                text.append(" / ").append(count(p.usersTotal()));
            }
            text.append(" users · ");
        }
        text.append(count(p.rowsDone())).append(" rows · ").append(count((long) p.rowsPerSecond())).append(" rows/s");
        if (p.eta() != null && p.usersDone() < p.usersTotal()) {
            text.append(" · about ").append(duration(p.eta())).append(" left");
        }
        return text.toString();
    }
}
