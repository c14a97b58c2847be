package dev.backfill.mapping;

/**
 * A reference a planned row makes to another row of the plan: the column, the entity and id it
 * points at, the legacy id it came from, and the user owning that row. A reference to another
 * user's row ({@code foreign}) makes the row wait until that row is in the target.
 */
public record RowRef(String column, String entity, Object id, String legacyId, String owner, boolean foreign) {}
