package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.Plan;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds keys in legacy JSON that no entity of the plan reads. Paths are compared from the source
 * row down, so a key read by any entity on the same stream counts as read; a path that reads an
 * object whole (e.g. {@code pack: [metadata]}) covers everything below it. An entity with a
 * {@code where} only reads the records it keeps: for the others, its paths do not count.
 */
final class UnmappedFields {
    private static final FieldPath.Segment ANY = new FieldPath.Wildcard();

    /** Paths read from each stream, from the row down; [n] counted as [*]. */
    private final Map<String, List<List<FieldPath.Segment>>> readByStream = new LinkedHashMap<>();

    /** The paths an entity with a {@code where} reads, which count only for the records it keeps. */
    private record Filtered(FieldPath explode, Map<FieldPath, JsonNode> where, List<List<FieldPath.Segment>> paths) {}

    private final Map<String, List<Filtered>> filteredByStream = new LinkedHashMap<>();

    UnmappedFields(Plan plan) {
        for (Entity entity : plan.entities()) {
            List<List<FieldPath.Segment>> read = readByStream.computeIfAbsent(entity.from().streamKey(), k -> new ArrayList<>());
            List<FieldPath> paths = new ArrayList<>();
            for (ColumnSpec column : entity.columns()) {
                paths.addAll(column.legacyPathsRead());
            }
            if (entity.id() != null && entity.id().from() != null) {
                paths.add(entity.id().from());
            }
            if (entity.legacyId() != null) {
                paths.add(entity.legacyId());
            }
            if (entity.group() != null) {
                paths.addAll(entity.group());
            }
            List<List<FieldPath.Segment>> own = entity.from().where().isEmpty() ? read : new ArrayList<>();
            for (FieldPath path : paths) {
                own.add(absolute(entity, path));
            }
            if (own != read) {
                filteredByStream.computeIfAbsent(entity.from().streamKey(), k -> new ArrayList<>())
                        .add(new Filtered(entity.from().explode(), entity.from().where(), own));
            }
            // the fields 'where' compares are read for every record
            for (FieldPath path : entity.from().where().keySet()) {
                read.add(absolute(entity, path));
            }
            for (String field : rowFields(entity)) {
                read.add(List.of(new FieldPath.Field(field)));
            }
        }
    }

    private static List<String> rowFields(Entity entity) {
        List<String> fields = new ArrayList<>();
        if (entity.from().partition() != null) {
            fields.add(entity.from().partition());
        }
        if (entity.from().latest() != null) {
            fields.add(entity.from().latest());
        }
        fields.addAll(entity.from().orderBy());
        return fields;
    }

    /** A path of an entity's record, rewritten from the source row down. */
    static List<FieldPath.Segment> absolute(Entity entity, FieldPath path) {
        List<FieldPath.Segment> base = new ArrayList<>();
        if (entity.from().explode() != null) {
            base.addAll(normalize(entity.from().explode().segments()));
        }
        for (FieldPath.Segment segment : path.segments()) {
            if (segment instanceof FieldPath.Row) {
                base.clear();
            } else if (segment instanceof FieldPath.Parent) {
                base = parentOf(base);
            } else {
                base.add(segment instanceof FieldPath.Index ? ANY : segment);
            }
        }
        return base;
    }

    private static List<FieldPath.Segment> parentOf(List<FieldPath.Segment> recordPath) {
        int last = recordPath.lastIndexOf(ANY);
        if (last < 0) {
            return new ArrayList<>();
        }
        List<FieldPath.Segment> up = new ArrayList<>(recordPath.subList(0, last));
        int previous = up.lastIndexOf(ANY);
        return previous < 0 ? new ArrayList<>() : new ArrayList<>(up.subList(0, previous + 1));
    }

    private static List<FieldPath.Segment> normalize(List<FieldPath.Segment> segments) {
        return segments.stream().map(s -> s instanceof FieldPath.Index ? ANY : s).toList();
    }

    /** Unmapped key paths (like {@code data.intent}) under {@code root} in one record, with the values found there. */
    Map<String, List<JsonNode>> find(Entity entity, LegacyRecord record, FieldPath root) {
        Map<String, List<JsonNode>> found = new LinkedHashMap<>();
        List<List<FieldPath.Segment>> read = readByStream.getOrDefault(entity.from().streamKey(), List.of());
        List<Filtered> filtered = filteredByStream.getOrDefault(entity.from().streamKey(), List.of());
        if (!filtered.isEmpty()) {
            read = new ArrayList<>(read);
            for (Filtered other : filtered) {
                // an entity exploding the same records reads this one only if its 'where' keeps it
                if (!Objects.equals(other.explode(), entity.from().explode()) || UserMapping.matchesWhere(record, other.where())) {
                    read.addAll(other.paths());
                }
            }
        }
        List<FieldPath.Segment> start = absolute(entity, root);
        for (JsonNode value : Paths.getAll(record, root)) {
            walk(value, start, root.text().equals("$") ? "" : root.text(), read, found);
        }
        return found;
    }

    private static void walk(JsonNode node, List<FieldPath.Segment> at, String label,
                             List<List<FieldPath.Segment>> read, Map<String, List<JsonNode>> found) {
        if (node.isArray()) {
            List<FieldPath.Segment> element = append(at, ANY);
            if (isCovered(element, read)) {
                return;
            }
            for (JsonNode item : node) {
                walk(item, element, label + "[*]", read, found);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            List<FieldPath.Segment> path = append(at, new FieldPath.Field(field.getKey()));
            String name = label.isEmpty() ? field.getKey() : label + "." + field.getKey();
            if (isCovered(path, read)) {
                continue;
            }
            if (readsBelow(path, read) && field.getValue().isContainerNode()) {
                walk(field.getValue(), path, name, read, found);
            } else {
                found.computeIfAbsent(name, k -> new ArrayList<>()).add(field.getValue());
            }
        }
    }

    private static List<FieldPath.Segment> append(List<FieldPath.Segment> path, FieldPath.Segment segment) {
        List<FieldPath.Segment> out = new ArrayList<>(path);
        out.add(segment);
        return out;
    }

    /** Some read path is this path or a prefix of it. */
    private static boolean isCovered(List<FieldPath.Segment> path, List<List<FieldPath.Segment>> read) {
        return read.stream().anyMatch(r -> r.size() <= path.size() && path.subList(0, r.size()).equals(r));
    }

    /** Some read path goes deeper below this path. */
    private static boolean readsBelow(List<FieldPath.Segment> path, List<List<FieldPath.Segment>> read) {
        return read.stream().anyMatch(r -> r.size() > path.size() && r.subList(0, path.size()).equals(path));
    }
}
