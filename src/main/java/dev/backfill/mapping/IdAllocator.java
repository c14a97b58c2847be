package dev.backfill.mapping;

import java.util.UUID;

/**
 * Hands out ids for the {@code generate} strategy. The engine's allocator keeps them in the id map
 * of the control schema, so a preview, the apply after it, and a re-apply after rollback all use
 * the same id for the same legacy row.
 */
public interface IdAllocator {

    /** The id for this legacy row, creating it on first use. {@code scope} is the user for per-user ids, else "". */
    UUID idFor(String entity, String scope, String legacyId);
}
