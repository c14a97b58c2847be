package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A finding as the control schema can store it. Findings quote the offending legacy value, and that
 * value is exactly what PostgreSQL could not take: a NUL character or an unpaired surrogate (escaped
 * as the six characters {@code &#92;u0000}, see {@link StoredText}), JSON nested to the limit (which
 * the finding's own array would push past {@link Json#MAX_DEPTH}), or an unreadable marker (shown as
 * its escaped text). Without this one bad value would fail the COPY of every user's findings.
 */
public final class StoredFinding {
    /** Levels of a quoted JSON value kept in a finding; deeper parts are summarised. */
    static final int DEPTH_SHOWN = 100;

    private StoredFinding() {}

    public static Finding of(Finding finding) {
        List<JsonNode> values = new ArrayList<>(finding.values().size());
        finding.values().forEach(v -> values.add(value(v, 1)));
        List<String> ids = new ArrayList<>(finding.legacyIds().size());
        finding.legacyIds().forEach(id -> ids.add(text(id)));
        return new Finding(text(finding.user()), finding.entity(), finding.kind(), text(finding.field()), values,
                finding.chosen() == null ? null : value(finding.chosen(), 1), ids, text(finding.message()));
    }

    private static String text(String text) {
        return text == null ? null : StoredText.escape(text);
    }

    /** A copy that PostgreSQL's jsonb takes; the same node when nothing needed changing. */
    static JsonNode value(JsonNode node, int depth) {
        if (node.isPojo()) {
            Unreadable marker = Unreadable.of(node);
            return Json.NODES.textNode(marker == null ? String.valueOf(node) : StoredText.escape(marker.shown()));
        }
        if (node.isTextual()) {
            String escaped = StoredText.escape(node.textValue());
            return escaped == node.textValue() ? node : Json.NODES.textNode(escaped);
        }
        if (!node.isContainerNode()) {
            return node;
        }
        if (depth > DEPTH_SHOWN) {
            return Json.NODES.textNode("(" + (node.isArray() ? "an array" : "an object") + " nested deeper than " + DEPTH_SHOWN
                    + " levels, not shown)");
        }
        if (node.isArray()) {
            ArrayNode copy = null;
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = value(node.get(i), depth + 1);
                if (copy == null && item != node.get(i)) {
                    copy = Json.NODES.arrayNode();
                    for (int j = 0; j < i; j++) {
                        copy.add(node.get(j));
                    }
                }
                if (copy != null) {
                    copy.add(item);
                }
            }
            return copy == null ? node : copy;
        }
        ObjectNode copy = null;
        Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
        List<Map.Entry<String, JsonNode>> seen = new ArrayList<>();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = StoredText.escape(field.getKey());
            JsonNode item = value(field.getValue(), depth + 1);
            if (copy == null && (key != field.getKey() || item != field.getValue())) {
                copy = Json.NODES.objectNode();
                for (Map.Entry<String, JsonNode> earlier : seen) {
                    copy.set(earlier.getKey(), earlier.getValue());
                }
            }
            if (copy != null) {
                copy.set(key, item);
            } else {
                seen.add(field);
            }
        }
        return copy == null ? node : copy;
    }
}
