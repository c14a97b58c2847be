package dev.backfill.demo;

import dev.backfill.mapping.FindingKind;
import java.util.List;

/** A messy case a demo generator planted on purpose, and the finding the dry run must report for it. */
public record PlantedFinding(String user, String entity, FindingKind kind, String field, List<String> legacyIds, String story) {

    public PlantedFinding {
        legacyIds = List.copyOf(legacyIds);
    }
}
