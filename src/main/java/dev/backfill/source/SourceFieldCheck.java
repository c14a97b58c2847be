package dev.backfill.source;

import dev.backfill.mapping.Closest;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.FieldRead;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanError;
import dev.backfill.plan.SourceSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Before anything is mapped: every field the plan reads from a table or query must be a column the
 * source's catalog has, and a path may only go inside json, jsonb and array columns. Otherwise the
 * field reads as missing for every record, NULL for every user, and the dry run would look normal.
 * Fields inside JSON values and JSON-lines documents have no catalog; the dry run reports those no
 * record has ({@code FIELD_NOT_FOUND}) instead.
 */
public final class SourceFieldCheck {

    private SourceFieldCheck() {}

    /** Throws {@link SourceFieldsException} listing every field the source does not have, each with its plan line. */
    public static void verify(Plan plan, SourceReader source) {
        Map<String, Optional<List<SourceColumn>>> columnsByStream = new HashMap<>();
        Map<String, PlanError> errors = new LinkedHashMap<>();
        for (FieldRead read : FieldRead.of(plan)) {
            SourceSpec from = read.entity().from();
            if (from.table() == null && from.query() == null) {
                continue;
            }
            Optional<List<SourceColumn>> columns = columnsByStream.computeIfAbsent(from.streamKey(), k -> source.columns(from));
            if (columns.isPresent()) {
                String problem = problem(read, columns.get(), source instanceof SqliteSource);
                if (problem != null) {
                    PlanError error = new PlanError(read.at(), problem);
                    errors.putIfAbsent(error.describe(), error);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new SourceFieldsException(new ArrayList<>(errors.values()), source.describe());
        }
    }

    private static String problem(FieldRead read, List<SourceColumn> columns, boolean sqlite) {
        if (read.insideExplode()) {
            return null; // inside the explode path's column: the explode path itself is checked, the rest by the dry run
        }
        List<FieldPath.Segment> path = read.fromRow();
        if (path.isEmpty() || !(path.get(0) instanceof FieldPath.Field head)) {
            return null; // the whole row ($, $row)
        }
        // SQLite resolves these names itself, in any case; everything else is a key of the row as the catalog spells it
        boolean anyCase = sqlite && (read.role().equals("partition") || read.role().equals("order_by"));
        SourceColumn column = null;
        for (SourceColumn candidate : columns) {
            if (candidate.name().equals(head.name()) || (anyCase && candidate.name().equalsIgnoreCase(head.name()))) {
                column = candidate;
                break;
            }
        }
        SourceSpec from = read.entity().from();
        String relation = from.table() != null ? "table " + from.table() : "the query of entity " + read.entity().name();
        List<String> names = columns.stream().map(SourceColumn::name).toList();
        if (column == null) {
            String best = Closest.best(head.name(), names);
            return "reads '" + read.path().text() + "', but " + relation + " has no column '" + head.name() + "'"
                    + (best == null ? "" : " (did you mean '" + best + "'?)") + "; its columns are " + String.join(", ", names)
                    + ". Every " + read.entity().name() + " record would read it as missing, NULL for every user";
        }
        if (path.size() > 1 && !column.navigable()) {
            String inside = sqlite
                    ? "but SQLite values are plain text, numbers or blobs to this tool: a path cannot go inside them. Read "
                    + column.name() + " whole (for JSON text with 'as: jsonb'), or take the part out in a 'query' with json_extract"
                    : "which is " + column.type() + ": only json, jsonb and array columns have fields or elements. Read "
                    + column.name() + " whole, or take the part out in a 'query'";
            return "reads '" + read.path().text() + "' inside column '" + column.name() + "' of " + relation + ", " + inside
                    + "; as written it is NULL for every user";
        }
        return null;
    }
}
