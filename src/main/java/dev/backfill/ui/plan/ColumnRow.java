package dev.backfill.ui.plan;

/** One line of an entity's column table: target column ← source, its type, and what happens on the way. */
public record ColumnRow(String column, String source, String type, String transforms) {}
