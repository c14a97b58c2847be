package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small operations on converted values that several parts of the mapping share. */
final class ValueOps {

    private ValueOps() {}

    /** Empty for completeness and missing: null, blank text, and empty lists or objects. */
    static boolean isEmpty(Object value) {
        if (value == null) {
            return true;
        }
        if (value instanceof String text) {
            return text.isBlank();
        }
        if (value instanceof List<?> list) {
            return list.isEmpty();
        }
        if (value instanceof JsonNode node) {
            return node.isNull() || node.isMissingNode() || (node.isContainerNode() && node.isEmpty())
                    || (node.isTextual() && node.textValue().isBlank());
        }
        return false;
    }

    /** A converted value back as JSON, for findings and for computing from other columns. */
    static JsonNode toJson(Object value) {
        if (value == null) {
            return Json.NODES.nullNode();
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof Long number) {
            return Json.NODES.numberNode(number);
        }
        if (value instanceof BigDecimal number) {
            return Json.NODES.numberNode(number);
        }
        if (value instanceof Boolean flag) {
            return Json.NODES.booleanNode(flag);
        }
        if (value instanceof List<?> list) {
            ArrayNode array = Json.NODES.arrayNode();
            list.forEach(item -> array.add(item == Coercer.NullElement.INSTANCE ? Json.NODES.nullNode() : toJson(item)));
            return array;
        }
        return Json.NODES.textNode(ValueText.plain(value));
    }

    /** Equality as the target would see it. */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
            return x.compareTo(y) == 0;
        }
        return toJson(a).equals(toJson(b));
    }

    /** A copy of a JSON value with every object's keys in alphabetical order. */
    static JsonNode sortKeys(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
            fields.forEachRemaining(e -> sorted.put(e.getKey(), sortKeys(e.getValue())));
            ObjectNode out = Json.NODES.objectNode();
            sorted.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = Json.NODES.arrayNode();
            node.forEach(item -> out.add(sortKeys(item)));
            return out;
        }
        return node;
    }

    /** Elements of a JSON array or Java list, as JSON. */
    static List<JsonNode> elements(Object value) {
        List<JsonNode> out = new ArrayList<>();
        if (value instanceof JsonNode node && node.isArray()) {
            node.forEach(out::add);
        } else if (value instanceof List<?> list) {
            list.forEach(item -> out.add(toJson(item)));
        } else if (value != null) {
            out.add(toJson(value));
        }
        return out;
    }
}
