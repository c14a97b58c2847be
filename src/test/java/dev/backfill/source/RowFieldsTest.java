package dev.backfill.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.mapping.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** A legacy row's fields behave exactly as the LinkedHashMap Jackson would have used, whatever is done to them. */
class RowFieldsTest {

    private static final List<String> COLUMNS = List.of("id", "name", "tags", "created_at", "name");
    private static final List<String> KEYS = List.of("id", "name", "tags", "created_at", "extra", "more");

    @Test
    void aRowFilledInColumnOrderReadsAndPrintsAsJackson() {
        ObjectNode compact = new RowFields.Columns(COLUMNS.subList(0, 4)).newRow();
        ObjectNode plain = Json.NODES.objectNode();
        for (ObjectNode row : List.of(compact, plain)) {
            row.put("id", 7).put("name", "Bolt").putNull("tags").put("created_at", "2024-01-02T03:04:05Z");
        }
        assertThat(compact.toString()).isEqualTo(plain.toString());
        assertThat(compact).isEqualTo(plain);
        assertThat(plain).isEqualTo(compact);
        assertThat(compact.hashCode()).isEqualTo(plain.hashCode());
        assertThat(compact.get("name").textValue()).isEqualTo("Bolt");
        assertThat(compact.get("tags").isNull()).isTrue();
        assertThat(compact.get("missing")).isNull();
        assertThat(compact.path("missing").isMissingNode()).isTrue();
    }

    @Test
    void aFieldSetOutOfOrderKeepsTheOrderItWasSetIn() {
        ObjectNode compact = new RowFields.Columns(COLUMNS.subList(0, 4)).newRow();
        compact.put("name", "Bolt").put("id", 7).put("extra", true);
        assertThat(compact.toString()).isEqualTo("{\"name\":\"Bolt\",\"id\":7,\"extra\":true}");
    }

    @Test
    void aJavaNullSetThroughAnEntryIsHeldAsALinkedHashMapHoldsIt() {
        ObjectNode compact = new RowFields.Columns(COLUMNS.subList(0, 4)).newRow();
        compact.put("id", 7).put("name", "Bolt").put("tags", "t");
        for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) compact::fields) {
            if (field.getKey().equals("name")) {
                field.setValue(null);
            }
        }
        List<String> keys = new ArrayList<>();
        compact.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("id", "name", "tags");
        assertThat(compact.get("name")).isNull();
        compact.remove("name");
        keys.clear();
        compact.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("id", "tags");
        assertThat(compact.size()).isEqualTo(2);
    }

    @RepeatedTest(200)
    void anySequenceOfChangesLeavesWhatALinkedHashMapWouldHold(RepetitionInfo repetition) {
        Random random = new Random(repetition.getCurrentRepetition());
        ObjectNode compact = new RowFields.Columns(COLUMNS).newRow();
        Map<String, JsonNode> expected = new LinkedHashMap<>();
        // most rows are filled in column order first, as the source reader does
        int prefix = random.nextInt(COLUMNS.size() + 1);
        for (int i = 0; i < prefix; i++) {
            JsonNode value = Json.NODES.numberNode(i);
            compact.set(COLUMNS.get(i), value);
            expected.put(COLUMNS.get(i), value);
        }
        for (int step = 0; step < 12; step++) {
            String key = KEYS.get(random.nextInt(KEYS.size()));
            JsonNode value = Json.NODES.textNode("v" + step);
            switch (random.nextInt(5)) {
                case 0, 1 -> {
                    compact.set(key, value);
                    expected.put(key, value);
                }
                case 2 -> assertThat(compact.remove(key)).isEqualTo(expected.remove(key));
                case 3 -> {
                    Iterator<Map.Entry<String, JsonNode>> fields = compact.fields();
                    Iterator<Map.Entry<String, JsonNode>> mirror = expected.entrySet().iterator();
                    while (fields.hasNext()) {
                        Map.Entry<String, JsonNode> field = fields.next();
                        Map.Entry<String, JsonNode> same = mirror.next();
                        assertThat(field.getKey()).isEqualTo(same.getKey());
                        if (field.getKey().equals(key)) {
                            fields.remove();
                            mirror.remove();
                        }
                    }
                }
                default -> {
                    for (Map.Entry<String, JsonNode> field : (Iterable<Map.Entry<String, JsonNode>>) compact::fields) {
                        if (field.getKey().equals(key)) {
                            field.setValue(value);
                            expected.put(key, value);
                        }
                    }
                }
            }
            assertSame(compact, expected);
        }
    }

    private static void assertSame(ObjectNode compact, Map<String, JsonNode> expected) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        compact.fields().forEachRemaining(e -> entries.add(Map.entry(e.getKey(), e.getValue())));
        assertThat(entries).containsExactlyElementsOf(expected.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue())).toList());
        assertThat(compact.size()).isEqualTo(expected.size());
        for (String key : KEYS) {
            assertThat(compact.get(key)).isEqualTo(expected.get(key));
            assertThat(compact.has(key)).isEqualTo(expected.containsKey(key));
        }
        ObjectNode plain = Json.NODES.objectNode();
        plain.setAll(expected);
        assertThat(compact).isEqualTo(plain);
        assertThat(compact.toString()).isEqualTo(plain.toString());
        assertThat(compact.hashCode()).isEqualTo(plain.hashCode());
    }
}
