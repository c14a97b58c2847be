package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.DryRunStore;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Streams;
import dev.backfill.mapping.Unreadable;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SourceSpec;
import dev.backfill.source.SourceReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The findings about legacy records that belong to no user, filed under {@link DryRunStore#NO_USER}:
 * rows whose partition field is empty, and records the source could not read far enough to find their
 * user (a JSON-lines line that is not JSON), each with its real cause.
 */
final class NoUserFindings {
    static final int REPORTED_PER_STREAM = 1_000;

    private NoUserFindings() {}

    static List<Finding> of(Plan plan, SourceReader source, Map<String, SourceSpec> streams) {
        List<Finding> findings = new ArrayList<>();
        for (Map.Entry<String, SourceSpec> stream : streams.entrySet()) {
            SourceSpec spec = stream.getValue();
            Entity reader = Streams.readers(plan, stream.getKey()).get(0);
            for (ObjectNode row : source.rowsWithoutUser(spec, REPORTED_PER_STREAM)) {
                Unreadable unreadable = Unreadable.ofRecord(row);
                findings.add(unreadable != null ? unreadable(reader, spec, unreadable) : withoutUser(reader, spec, row));
            }
        }
        return findings;
    }

    private static Finding unreadable(Entity reader, SourceSpec spec, Unreadable record) {
        return new Finding(DryRunStore.NO_USER, reader.name(), FindingKind.INVALID_VALUE, record.field(), List.of(record.shownNode()), null,
                record.where() == null ? List.of() : List.of(record.where()), record.reason() + "; it belongs to no user (no usable "
                + spec.partition() + " could be read from it), so it is not migrated. Fix or remove it in "
                + spec.label() + " and dry-run again");
    }

    private static Finding withoutUser(Entity reader, SourceSpec spec, ObjectNode row) {
        String id = row.hasNonNull("id") ? row.get("id").asText() : row.hasNonNull("_id") ? row.get("_id").asText() : "(no id)";
        return new Finding(DryRunStore.NO_USER, reader.name(), FindingKind.MISSING_REQUIRED, spec.partition(),
                List.of(row), null, List.of(id), "a row of " + spec.label() + " (id " + id + ") has no " + spec.partition()
                + ", so it belongs to no user and cannot be migrated; give it a user in the source or leave it behind");
    }
}
