package dev.backfill.source;

/**
 * A column of a legacy table or query as the source's catalog has it.
 *
 * @param type      the type as the source names it (PostgreSQL's type name, SQLite's declared type)
 * @param navigable whether a path can go inside its values (json, jsonb and array columns of PostgreSQL)
 */
public record SourceColumn(String name, String type, boolean navigable) {}
