package dev.backfill.control;

/** How many users the plan has and where they are; pending = not migrated. */
public record UserCounts(long total, long migrated, long approved, long failed, long sourceChanged, long targetChanged, long pending) {}
