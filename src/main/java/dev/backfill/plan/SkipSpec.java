package dev.backfill.plan;

/** A legacy table deliberately not migrated, and why; shown in the plan view and the reports. */
public record SkipSpec(String table, String reason, Location at) {}
