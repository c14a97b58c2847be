package dev.backfill.control;

import dev.backfill.lifecycle.UserStatus;
import java.util.Map;

/** One user of a plan as the dry-run table and the batch screens show it. */
public record UserView(
        String user,
        long position,
        Integer batch,
        UserStatus status,
        int legacyRows,
        int plannedRows,
        int findings,
        Map<String, Integer> findingKinds,
        String lastError) {}
