package dev.backfill.parity;

/** How many users the plan has and where they are. */
public record UserCounts(long total, long migrated, long approved, long failed, long sourceChanged, long pending) {}
