package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.backfill.plan.FieldPath;
import java.util.ArrayList;
import java.util.List;

/** Evaluates {@link FieldPath}s against legacy records. */
public final class Paths {

    private Paths() {}

    /** The single value a path without wildcards reaches (the first one, with wildcards); {@link MissingNode} when absent. */
    public static JsonNode get(LegacyRecord record, FieldPath path) {
        if (path.hasWildcard()) {
            List<JsonNode> all = getAll(record, path);
            return all.isEmpty() ? MissingNode.getInstance() : all.get(0);
        }
        LegacyRecord context = record;
        JsonNode node = record.value();
        for (FieldPath.Segment segment : path.segments()) {
            if (node instanceof POJONode && !(segment instanceof FieldPath.Parent || segment instanceof FieldPath.Row)) {
                return node; // an unreadable legacy value: whatever lies inside it is unreadable too, never "missing"
            }
            if (segment instanceof FieldPath.Field field) {
                node = node.isObject() ? node.get(field.name()) : null;
            } else if (segment instanceof FieldPath.Index index) {
                int i = node.isArray() && index.index() < 0 ? node.size() + index.index() : index.index();
                node = node.isArray() && i >= 0 && i < node.size() ? node.get(i) : null;
            } else if (segment instanceof FieldPath.Parent) {
                context = context.parent();
                node = context == null ? null : context.value();
            } else if (segment instanceof FieldPath.Row) {
                context = LegacyRecord.ofRow(context.row(), context.position());
                node = context.row();
            }
            if (node == null || node.isMissingNode()) {
                return MissingNode.getInstance();
            }
        }
        return node;
    }

    /** Every value a path reaches (more than one only through [*]). */
    public static List<JsonNode> getAll(LegacyRecord record, FieldPath path) {
        List<JsonNode> out = new ArrayList<>();
        walk(record, record.value(), path.segments(), 0, out);
        return out;
    }

    private static void walk(LegacyRecord context, JsonNode node, List<FieldPath.Segment> segments, int at, List<JsonNode> out) {
        if (node == null || node.isMissingNode()) {
            return;
        }
        if (at == segments.size()) {
            out.add(node);
            return;
        }
        FieldPath.Segment segment = segments.get(at);
        if (node instanceof POJONode && !(segment instanceof FieldPath.Parent || segment instanceof FieldPath.Row)) {
            out.add(node); // an unreadable legacy value stands for everything inside it
            return;
        }
        if (segment instanceof FieldPath.Parent) {
            LegacyRecord parent = context.parent();
            if (parent != null) {
                walk(parent, parent.value(), segments, at + 1, out);
            }
        } else if (segment instanceof FieldPath.Row) {
            walk(LegacyRecord.ofRow(context.row(), context.position()), context.row(), segments, at + 1, out);
        } else if (segment instanceof FieldPath.Field field) {
            if (node.isObject()) {
                walk(context, node.get(field.name()), segments, at + 1, out);
            }
        } else if (segment instanceof FieldPath.Index index) {
            if (node.isArray()) {
                int i = index.index() < 0 ? node.size() + index.index() : index.index();
                walk(context, i >= 0 && i < node.size() ? node.get(i) : null, segments, at + 1, out);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                walk(context, element, segments, at + 1, out);
            }
        }
    }

    /**
     * The records an explode path yields from one source row: each element reached by the path,
     * its parent being the element of the previous [*] (or the row itself).
     */
    public static List<LegacyRecord> explode(ObjectNode row, FieldPath path, int firstPosition) {
        List<LegacyRecord> out = new ArrayList<>();
        LegacyRecord rowRecord = LegacyRecord.ofRow(row, firstPosition);
        explodeFrom(rowRecord, row, path.segments(), 0, out, row);
        List<LegacyRecord> numbered = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            LegacyRecord r = out.get(i);
            numbered.add(new LegacyRecord(r.value(), r.parent(), r.row(), firstPosition + i));
        }
        return numbered;
    }

    private static void explodeFrom(LegacyRecord parent, JsonNode node, List<FieldPath.Segment> segments, int at,
                                    List<LegacyRecord> out, ObjectNode row) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        if (at == segments.size()) {
            out.add(new LegacyRecord(node, parent, row, 0));
            return;
        }
        FieldPath.Segment segment = segments.get(at);
        if (segment instanceof FieldPath.Field field) {
            if (node.isObject()) {
                explodeFrom(parent, node.get(field.name()), segments, at + 1, out, row);
            }
        } else if (segment instanceof FieldPath.Index index) {
            if (node.isArray()) {
                int i = index.index() < 0 ? node.size() + index.index() : index.index();
                explodeFrom(parent, i >= 0 && i < node.size() ? node.get(i) : null, segments, at + 1, out, row);
            }
        } else if (segment instanceof FieldPath.Wildcard && node.isArray()) {
            for (JsonNode element : node) {
                LegacyRecord elementContext = new LegacyRecord(element, parent, row, 0);
                if (at + 1 == segments.size()) {
                    out.add(elementContext);
                } else {
                    explodeFrom(elementContext, element, segments, at + 1, out, row);
                }
            }
        }
    }
}
