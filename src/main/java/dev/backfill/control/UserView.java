package dev.backfill.control;

import java.util.Map;

/** One user of a plan as the dry-run table shows it. */
public record UserView(
        String user,
        long position,
        Integer batch,
        String status,
        int legacyRows,
        int plannedRows,
        int findings,
        Map<String, Integer> findingKinds,
        String lastError) {}
