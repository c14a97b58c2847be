package dev.backfill.demo;

/**
 * One table of a benchmark's reference: the plainest SQL that moves the same legacy rows into the
 * same target table, run as a server-side COPY out of the legacy database and into the target.
 *
 * @param select runs in the legacy database; its columns are {@code columns} of {@code targetTable}
 */
public record ReferenceCopy(String targetTable, String columns, String select) {}
