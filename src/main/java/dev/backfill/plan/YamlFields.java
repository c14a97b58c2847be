package dev.backfill.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The keys of one YAML mapping, with their locations. Unknown and repeated keys are reported as
 * errors the moment the mapping is opened, each pointing at its own line.
 */
final class YamlFields {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Map<String, Node> values = new LinkedHashMap<>();
    private final Map<String, Location> locations = new LinkedHashMap<>();
    /** Allowed keys an unknown key of this mapping looks like a misspelling of: already reported with that key's name. */
    private final java.util.Set<String> misspelt = new java.util.HashSet<>();
    private final Location at;
    private final List<PlanError> errors;

    private YamlFields(Location at, List<PlanError> errors) {
        this.at = at;
        this.errors = errors;
    }

    /** Opens a mapping; returns empty (after reporting) if the node is not a mapping. */
    static Optional<YamlFields> open(Node node, Location at, List<PlanError> errors, String... allowedKeys) {
        if (!(node instanceof MappingNode mapping)) {
            errors.add(new PlanError(locate(at, node), "expected a mapping of keys (key: value), found " + kind(node)));
            return Optional.empty();
        }
        YamlFields fields = new YamlFields(locate(at, node), errors);
        List<String> allowed = Arrays.asList(allowedKeys);
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                errors.add(new PlanError(locate(at, keyNode), "a key must be a plain name"));
                continue;
            }
            String key = scalarKey.getValue();
            Location keyAt = at.child(key, line(keyNode), column(keyNode));
            if (!allowed.isEmpty() && !allowed.contains(key)) {
                errors.add(new PlanError(keyAt, "unknown key '" + key + "'" + suggestion(key, allowed)
                        + "; allowed here: " + String.join(", ", allowed)));
                closest(key, allowed).ifPresent(fields.misspelt::add);
                continue;
            }
            if (fields.values.containsKey(key)) {
                errors.add(new PlanError(keyAt, "'" + key + "' is given twice (first on line "
                        + fields.locations.get(key).line() + "); keep one"));
                continue;
            }
            fields.values.put(key, tuple.getValueNode());
            fields.locations.put(key, keyAt);
        }
        return Optional.of(fields);
    }

    Location at() {
        return at;
    }

    Location at(String key) {
        return locations.getOrDefault(key, at.child(key, at.line(), at.column()));
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    Node node(String key) {
        return values.get(key);
    }

    Map<String, Node> all() {
        return values;
    }

    void error(String key, String message) {
        errors.add(new PlanError(at(key), message));
    }

    /** A required plain value. Reports and returns null when absent or not a scalar. */
    String requireText(String key) {
        if (!has(key)) {
            if (!misspelt.contains(key)) { // a misspelt key already said "did you mean"
                errors.add(new PlanError(at, "missing required key '" + key + "'"));
            }
            return null;
        }
        return text(key);
    }

    /** An optional plain value; null when absent. */
    String text(String key) {
        Node node = values.get(key);
        if (node == null) {
            return null;
        }
        if (node instanceof ScalarNode scalar && scalar.getTag() != Tag.NULL) {
            return scalar.getValue();
        }
        error(key, "expected a single value, found " + kind(node));
        return null;
    }

    Integer integer(String key) {
        String text = text(key);
        if (text == null) {
            return null;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            error(key, "expected a whole number, found '" + text + "'");
            return null;
        }
    }

    boolean flag(String key) {
        String text = text(key);
        if (text == null) {
            return false;
        }
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                error(key, "expected true or false, found '" + text + "'");
                yield false;
            }
        };
    }

    /** A list of plain values; a single value is accepted as a list of one. */
    List<String> textList(String key) {
        Node node = values.get(key);
        if (node == null) {
            return List.of();
        }
        if (node instanceof ScalarNode scalar) {
            return scalar.getTag() == Tag.NULL ? List.of() : List.of(scalar.getValue());
        }
        if (node instanceof SequenceNode sequence) {
            List<String> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                if (item instanceof ScalarNode scalar) {
                    items.add(scalar.getValue());
                } else {
                    errors.add(new PlanError(locate(at(key), item), "expected a list of plain values, found " + kind(item)));
                }
            }
            return items;
        }
        error(key, "expected a list, found " + kind(node));
        return List.of();
    }

    JsonNode json(String key) {
        Node node = values.get(key);
        return node == null ? null : toJson(node);
    }

    /** Converts YAML to JSON, keeping YAML's own typing of plain scalars (1 is a number, "1" is text). */
    static JsonNode toJson(Node node) {
        if (node instanceof ScalarNode scalar) {
            String value = scalar.getValue();
            Tag tag = scalar.getTag();
            if (Tag.NULL.equals(tag)) {
                return JSON.nullNode();
            }
            if (Tag.BOOL.equals(tag)) {
                return JSON.booleanNode(switch (value.toLowerCase(java.util.Locale.ROOT)) {
                    case "true", "yes", "on", "y" -> true;
                    default -> false;
                });
            }
            if (Tag.INT.equals(tag)) {
                try {
                    BigInteger number = new BigInteger(value.replace("_", ""));
                    return number.bitLength() < 64 ? JSON.numberNode(number.longValue()) : JSON.numberNode(number);
                } catch (NumberFormatException e) {
                    return JSON.textNode(value);
                }
            }
            if (Tag.FLOAT.equals(tag)) {
                try {
                    return JSON.numberNode(new BigDecimal(value.replace("_", "")));
                } catch (NumberFormatException e) {
                    return JSON.textNode(value);
                }
            }
            return JSON.textNode(value);
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = JSON.arrayNode();
            sequence.getValue().forEach(item -> array.add(toJson(item)));
            return array;
        }
        ObjectNode object = JSON.objectNode();
        for (NodeTuple tuple : ((MappingNode) node).getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : String.valueOf(tuple.getKeyNode());
            object.set(key, toJson(tuple.getValueNode()));
        }
        return object;
    }

    static Location locate(Location parent, Node node) {
        return new Location(parent.file(), line(node), column(node), parent.field());
    }

    static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    static int column(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getColumn() + 1;
    }

    static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof ScalarNode scalar) {
            return Tag.NULL.equals(scalar.getTag()) ? "nothing" : "'" + scalar.getValue() + "'";
        }
        return "something else";
    }

    static String suggestion(String given, List<String> candidates) {
        return closest(given, candidates).map(best -> " (did you mean '" + best + "'?)").orElse("");
    }

    private static java.util.Optional<String> closest(String given, List<String> candidates) {
        return candidates.stream()
                .min(Comparator.comparingInt(c -> editDistance(given, c)))
                .filter(best -> editDistance(given, best) <= Math.max(2, given.length() / 3));
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
