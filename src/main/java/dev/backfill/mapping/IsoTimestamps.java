package dev.backfill.mapping;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A fast reader for the one layout most timestamps arrive in (PostgreSQL's JSON output and most
 * ISO-8601 writers): {@code YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH[:MM]]}. Anything else, or an
 * impossible date, returns null and takes the general (slower) path with its full messages.
 */
final class IsoTimestamps {

    private IsoTimestamps() {}

    static OffsetDateTime parse(String text) {
        int n = text.length();
        if (n < 19 || text.charAt(4) != '-' || text.charAt(7) != '-' || (text.charAt(10) != 'T' && text.charAt(10) != ' ')
                || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < n && text.charAt(i) == '.') {
            int start = ++i;
            while (i < n && Character.isDigit(text.charAt(i))) {
                i++;
            }
            int count = i - start;
            if (count == 0 || count > 9) {
                return null;
            }
            nanos = digits(text, start, count);
            for (int k = count; k < 9; k++) {
                nanos *= 10;
            }
        }
        ZoneOffset offset = ZoneOffset.UTC;
        if (i < n) {
            char sign = text.charAt(i);
            if ((sign == 'Z' || sign == 'z') && i + 1 == n) {
                offset = ZoneOffset.UTC;
            } else if (sign == '+' || sign == '-') {
                int rest = n - i - 1;
                int hours;
                int minutes = 0;
                if (rest == 2) {
                    hours = digits(text, i + 1, 2);
                } else if (rest == 5 && text.charAt(i + 3) == ':') {
                    hours = digits(text, i + 1, 2);
                    minutes = digits(text, i + 4, 2);
                } else if (rest == 4) {
                    hours = digits(text, i + 1, 2);
                    minutes = digits(text, i + 3, 2);
                } else {
                    return null;
                }
                if (hours < 0 || minutes < 0 || hours > 18 || minutes > 59) {
                    return null;
                }
                int total = hours * 3600 + minutes * 60;
                offset = total == 0 ? ZoneOffset.UTC : ZoneOffset.ofTotalSeconds(sign == '-' ? -total : total);
            } else {
                return null;
            }
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos).atOffset(offset);
        } catch (DateTimeException impossible) {
            return null;
        }
    }

    /** The number written by {@code count} ASCII digits, or -1. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
