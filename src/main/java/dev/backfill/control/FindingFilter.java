package dev.backfill.control;

import dev.backfill.mapping.FindingKind;
import java.util.Set;

/** Which findings to show or export; null or empty means "any". */
public record FindingFilter(Set<FindingKind> kinds, Set<String> entities, String field, String user) {

    public static final FindingFilter ALL = new FindingFilter(Set.of(), Set.of(), null, null);

    public FindingFilter {
        kinds = kinds == null ? Set.of() : Set.copyOf(kinds);
        entities = entities == null ? Set.of() : Set.copyOf(entities);
    }

    public boolean isAll() {
        return kinds.isEmpty() && entities.isEmpty() && field == null && user == null;
    }
}
