package dev.backfill.engine;

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
}
