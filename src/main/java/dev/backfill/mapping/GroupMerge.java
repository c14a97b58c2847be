package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.ColumnSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Combines one column's values from the rows of a group. Disagreements are reported, never hidden. */
final class GroupMerge {

    interface Conflicts {
        void report(String field, List<JsonNode> competing, JsonNode chosen);
    }

    private GroupMerge() {}

    static Object merge(ColumnSpec.Merge strategy, List<Object> values, ColumnType type, Conflicts conflicts) {
        return switch (strategy) {
            case FIRST -> pick(values, false, conflicts);
            case LAST -> pick(values, true, conflicts);
            case UNION -> union(values, type);
            case DEEP -> deep(values, conflicts);
        };
    }

    private static Object pick(List<Object> values, boolean last, Conflicts conflicts) {
        List<Object> present = values.stream().filter(v -> !ValueOps.isEmpty(v)).toList();
        if (present.isEmpty()) {
            return values.stream().filter(v -> v != null).findFirst().orElse(null);
        }
        Object chosen = last ? present.get(present.size() - 1) : present.get(0);
        List<JsonNode> distinct = new ArrayList<>();
        for (Object value : present) {
            JsonNode json = ValueOps.toJson(value);
            if (!distinct.contains(json)) {
                distinct.add(json);
            }
        }
        if (distinct.size() > 1) {
            conflicts.report(null, distinct, ValueOps.toJson(chosen));
        }
        return chosen;
    }

    private static Object union(List<Object> values, ColumnType type) {
        List<JsonNode> items = new ArrayList<>();
        for (Object value : values) {
            for (JsonNode item : ValueOps.elements(value)) {
                if (!items.contains(item)) {
                    items.add(item);
                }
            }
        }
        ArrayNode array = Json.NODES.arrayNode();
        items.forEach(array::add);
        if (type != null && type.coercion().isArray()) {
            return ((Coercer.Ok) Coercer.coerce(array, type, null)).value();
        }
        return array;
    }

    private static Object deep(List<Object> values, Conflicts conflicts) {
        JsonNode merged = null;
        for (Object value : values) {
            if (ValueOps.isEmpty(value)) {
                continue;
            }
            JsonNode json = ValueOps.toJson(value);
            merged = merged == null ? json.deepCopy() : mergeInto(merged, json, "", conflicts);
        }
        return merged == null ? values.stream().filter(v -> v != null).findFirst().orElse(null) : merged;
    }

    private static JsonNode mergeInto(JsonNode base, JsonNode later, String path, Conflicts conflicts) {
        if (base.isObject() && later.isObject()) {
            ObjectNode out = ((ObjectNode) base).deepCopy();
            Iterator<Map.Entry<String, JsonNode>> fields = later.properties().iterator();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                JsonNode current = out.get(field.getKey());
                if (current == null || current.isNull()) {
                    out.set(field.getKey(), field.getValue());
                } else if (!field.getValue().isNull()) {
                    out.set(field.getKey(), mergeInto(current, field.getValue(), childPath, conflicts));
                }
            }
            return out;
        }
        if (!base.equals(later)) {
            conflicts.report(path.isEmpty() ? null : path, List.of(base, later), later);
        }
        return later;
    }
}
