package dev.backfill.mapping;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** "Did you mean": the names closest to a misspelt one, by edit distance, the same spelling in another case first. */
public final class Closest {

    private Closest() {}

    /** Up to {@code limit} candidates close enough to be a misspelling of {@code given}, closest first. */
    public static List<String> to(String given, Collection<String> candidates, int limit) {
        int allowed = Math.max(2, given.length() / 3);
        String lower = given.toLowerCase(Locale.ROOT);
        return candidates.stream().distinct()
                // the length difference bounds the distance from below: long keys are never compared letter by letter
                .filter(c -> !c.equals(given) && Math.abs(c.length() - given.length()) <= allowed
                        && distance(lower, c.toLowerCase(Locale.ROOT)) <= allowed)
                .sorted(Comparator.comparingInt((String c) -> distance(lower, c.toLowerCase(Locale.ROOT)))
                        .thenComparing(c -> !c.equalsIgnoreCase(given))
                        .thenComparing(Comparator.naturalOrder()))
                .limit(limit)
                .toList();
    }

    /** The closest candidate, or null when none is close. */
    public static String best(String given, Collection<String> candidates) {
        List<String> closest = to(given, candidates, 1);
        return closest.isEmpty() ? null : closest.get(0);
    }

    /** Edit distance counting a swap of two neighbours as one edit ('categroy' is 1 from 'category'). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
