package dev.backfill.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * One legacy field a plan reads, and where the plan says so: what a check against the source's real
 * fields needs. A misspelt field is not a plan error by itself (the plan cannot know the source), it
 * is a field that reads as missing for every record, so NULL for every user.
 *
 * @param entity the entity reading it
 * @param role   which part of the plan reads it: {@code from}, {@code pack}, {@code when}, {@code id.from}, {@code partition}, …
 * @param path   the path as the plan writes it
 * @param at     the line and field of the plan that names it
 * @param ofRow  true when the path is read from the source row (partition, latest, order_by, explode), false
 *               when it is read from the entity's records (after explode)
 */
public record FieldRead(Entity entity, String role, FieldPath path, Location at, boolean ofRow) {

    /** Every legacy field the plan reads, entity by entity in plan order, then the checks' legacy sums. */
    public static List<FieldRead> of(Plan plan) {
        List<FieldRead> reads = new ArrayList<>();
        for (Entity entity : plan.entities()) {
            SourceSpec from = entity.from();
            Location source = from.at() == null ? entity.at() : from.at();
            if (from.partition() != null && !entity.shared()) {
                name(reads, entity, "partition", from.partition(), source.child("partition", source.line(), source.column()));
            }
            if (from.latest() != null) {
                name(reads, entity, "latest", from.latest(), source.child("latest", source.line(), source.column()));
            }
            for (String column : from.orderBy()) {
                name(reads, entity, "order_by", column, source.child("order_by", source.line(), source.column()));
            }
            if (from.explode() != null) {
                reads.add(new FieldRead(entity, "explode", from.explode(), source.child("explode", source.line(), source.column()), true));
            }
            from.where().keySet().forEach(path -> reads.add(new FieldRead(entity, "where", path,
                    source.child("where", source.line(), source.column()), false)));
            if (entity.id() != null && entity.id().from() != null) {
                Location at = entity.id().at() == null ? entity.at() : entity.id().at();
                reads.add(new FieldRead(entity, "id.from", entity.id().from(), at, false));
            }
            if (entity.legacyId() != null) {
                reads.add(new FieldRead(entity, "legacy_id", entity.legacyId(), entity.at(), false));
            }
            if (entity.group() != null) {
                entity.group().forEach(path -> reads.add(new FieldRead(entity, "group", path, entity.at(), false)));
            }
            entity.unmapped().forEach(path -> reads.add(new FieldRead(entity, "unmapped", path, entity.at(), false)));
            for (ColumnSpec column : entity.columns()) {
                column(reads, entity, column);
            }
        }
        for (CheckSpec check : plan.checks()) {
            if (check.expect() instanceof CheckSpec.Expectation.LegacyTotal total && total.sum() != null) {
                plan.entity(total.entity()).ifPresent(entity -> reads.add(new FieldRead(entity, "sum", total.sum(), check.at(), false)));
            }
        }
        return reads;
    }

    private static void column(List<FieldRead> reads, Entity entity, ColumnSpec column) {
        Location at = column.at() == null ? entity.at() : column.at();
        ValueSource source = column.source();
        String role = source instanceof ValueSource.From ? "from" : source instanceof ValueSource.Pack ? "pack"
                : source instanceof ValueSource.Count ? "count" : source instanceof ValueSource.Sum ? "sum" : "size";
        column.source().legacyPathsRead().forEach(path -> reads.add(new FieldRead(entity, role, path, at, false)));
        if (column.when() != null) {
            reads.add(new FieldRead(entity, "when", column.when(), at, false));
        }
        if (column.fallback() != null) {
            column(reads, entity, column.fallback());
        }
    }

    /** A plain column name of the source row (partition, latest, order_by); names that are no path are left to the source. */
    private static void name(List<FieldRead> reads, Entity entity, String role, String name, Location at) {
        try {
            reads.add(new FieldRead(entity, role, FieldPath.parse(name), at, true));
        } catch (IllegalArgumentException notAPath) {
            // the validator reports it; the source refuses it with its own message
        }
    }

    /** The path from the source row down: an exploded record's path put after the explode path, {@code $row}/{@code $parent} resolved. */
    public List<FieldPath.Segment> fromRow() {
        return walk().segments;
    }

    /**
     * True when the path starts at the explode path's elements (its first name is inside the explode's
     * column), false when it names a column of the row itself.
     */
    public boolean insideExplode() {
        return walk().insideExplode;
    }

    private record Walk(List<FieldPath.Segment> segments, boolean insideExplode) {}

    private Walk walk() {
        List<FieldPath.Segment> base = new ArrayList<>();
        FieldPath explode = entity.from().explode();
        boolean inside = !ofRow && explode != null;
        if (inside) {
            base.addAll(explode.segments());
        }
        for (FieldPath.Segment segment : path.segments()) {
            if (segment instanceof FieldPath.Row) {
                base.clear();
                inside = false;
            } else if (segment instanceof FieldPath.Parent) {
                base = parentOf(base);
                inside = inside && !base.isEmpty();
            } else {
                base.add(segment);
            }
        }
        return new Walk(base, inside);
    }

    /** The record an element was exploded from: the path up to (and including) the previous [*], or the row. */
    private static List<FieldPath.Segment> parentOf(List<FieldPath.Segment> recordPath) {
        int last = lastWildcard(recordPath);
        if (last < 0) {
            return new ArrayList<>();
        }
        List<FieldPath.Segment> up = new ArrayList<>(recordPath.subList(0, last));
        int previous = lastWildcard(up);
        return previous < 0 ? new ArrayList<>() : new ArrayList<>(up.subList(0, previous + 1));
    }

    private static int lastWildcard(List<FieldPath.Segment> segments) {
        for (int i = segments.size() - 1; i >= 0; i--) {
            if (segments.get(i) instanceof FieldPath.Wildcard) {
                return i;
            }
        }
        return -1;
    }
}
