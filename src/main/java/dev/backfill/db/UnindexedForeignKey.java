package dev.backfill.db;

import java.util.List;

/**
 * A foreign key that references one of the plan's target tables and that no index of its
 * referencing table serves. Every row a rollback (or the live app) deletes from the referenced
 * table makes PostgreSQL look for referencing rows; without such an index that look is a full scan
 * of the referencing table, once per deleted row. Found by {@link TargetCatalog#unindexedForeignKeys}.
 *
 * @param constraint      the constraint's name, as in the catalog
 * @param table           the referencing table, schema-qualified, quoted where SQL needs it
 * @param columns         the referencing columns, in the constraint's order, as in the catalog
 * @param referencedTable the plan's target table it references, schema-qualified, quoted where SQL needs it
 * @param partitioned     the referencing table is partitioned (PostgreSQL cannot index it CONCURRENTLY)
 * @param statement       the statement that creates the missing index
 */
public record UnindexedForeignKey(String constraint, String table, List<String> columns, String referencedTable,
                                  boolean partitioned, String statement) {

    public UnindexedForeignKey {
        columns = List.copyOf(columns);
    }

    /** The line above the list, the same in the CLI and the workbench. */
    public static String heading(int count) {
        return count == 1
                ? "1 foreign key into the plan's tables has no index on the referencing columns; rollback will be slow until it has:"
                : count + " foreign keys into the plan's tables have no index on the referencing columns; rollback will be slow"
                + " until they have:";
    }

    /** What is slow, why, and what to do: one line for the CLI, the workbench and the run report's reader. */
    public String message() {
        String message = "foreign key " + constraint + " of " + table + " (" + String.join(", ", columns) + ") referencing "
                + referencedTable + " has no index starting with " + (columns.size() == 1 ? "its column" : "its columns")
                + ": rollback (and the live app's deletes) check this foreign key with a full scan of " + table
                + " per deleted row; create the index before applying: " + statement;
        if (partitioned) {
            // CREATE INDEX CONCURRENTLY refuses a partitioned table; saying so beats handing over a statement that fails
            message += " (" + table + " is partitioned, which PostgreSQL cannot index CONCURRENTLY: this statement blocks writes"
                    + " to it while it builds; to avoid that, create the index on each partition CONCURRENTLY and attach them"
                    + " to an index created ON ONLY " + table + ")";
        }
        return message;
    }
}
