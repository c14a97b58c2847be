package dev.backfill.control;

import dev.backfill.lifecycle.UserStatus;
import java.util.Map;

/**
 * One user of a plan as the dry-run table and the batch screens show it. {@code crossUserRows}: the
 * user's planned rows that reference rows of {@code referencedUsers} other users (each waits at apply
 * until the row it references is in the target).
 */
public record UserView(
        String user,
        long position,
        Integer batch,
        UserStatus status,
        int legacyRows,
        int plannedRows,
        int findings,
        Map<String, Integer> findingKinds,
        String lastError,
        int crossUserRows,
        int referencedUsers) {}
