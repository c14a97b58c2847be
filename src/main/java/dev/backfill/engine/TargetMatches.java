package dev.backfill.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the target holds for a list of candidate rows, by candidate index: the identity of the row
 * with the same natural key, and the identity of the row already holding the candidate's id.
 */
record TargetMatches(Map<Integer, List<Object>> byKey, Map<Integer, List<Object>> byId) {
    static final TargetMatches NONE = new TargetMatches(Map.of(), Map.of());

    TargetMatches {
        byKey = Map.copyOf(byKey);
        byId = Map.copyOf(byId);
    }

    /** These matches of a sub-list of candidates, renumbered: candidate {@code i} here is {@code positions.get(i)} there. */
    TargetMatches at(List<Integer> positions) {
        return new TargetMatches(renumbered(byKey, positions), renumbered(byId, positions));
    }

    private static Map<Integer, List<Object>> renumbered(Map<Integer, List<Object>> found, List<Integer> positions) {
        Map<Integer, List<Object>> result = new HashMap<>();
        found.forEach((index, identity) -> result.put(positions.get(index), identity));
        return result;
    }
}
