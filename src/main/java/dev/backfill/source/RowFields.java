package dev.backfill.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.mapping.Json;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The fields of one legacy row, as the map behind its {@link ObjectNode}: the column names are shared by every
 * row of a stream ({@link Columns}), each row holds only an array of values. A LinkedHashMap per row cost an
 * entry object per field and a hash table: about a quarter of what reading the source allocated, and a chain
 * of pointers to follow for every field mapping reads (measured: see the README's performance section).
 *
 * <p>It behaves as a LinkedHashMap filled in column order: fields set in that order, or replaced, stay here;
 * anything else (a field removed, set to a Java null, added out of order or not a column) moves the row into a
 * LinkedHashMap first, so the order and contents are always those a LinkedHashMap would have.
 */
final class RowFields extends AbstractMap<String, JsonNode> {

    /** The columns of one stream, in order, and their positions. */
    static final class Columns {
        private final String[] names;
        private final Map<String, Integer> positions;

        Columns(List<String> names) {
            this.names = names.toArray(String[]::new);
            Map<String, Integer> positions = new HashMap<>();
            for (int i = 0; i < this.names.length; i++) {
                positions.putIfAbsent(this.names[i], i);
            }
            this.positions = positions;
        }

        /** A new, empty row of these columns. */
        ObjectNode newRow() {
            return new ObjectNode(Json.NODES, new RowFields(this));
        }
    }

    private final Columns columns;
    private final JsonNode[] values;
    /** The fields set so far are the first {@code filled} columns. */
    private int filled;
    /** Non-null once the row left the columns' order: from then on, the row's fields. */
    private LinkedHashMap<String, JsonNode> spilled;

    private RowFields(Columns columns) {
        this.columns = columns;
        this.values = new JsonNode[columns.names.length];
    }

    @Override
    public JsonNode get(Object key) {
        if (spilled != null) {
            return spilled.get(key);
        }
        Integer at = columns.positions.get(key);
        return at == null || at >= filled ? null : values[at];
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null || spilled != null && spilled.containsKey(key);
    }

    @Override
    public int size() {
        return spilled != null ? spilled.size() : filled;
    }

    @Override
    public JsonNode put(String key, JsonNode value) {
        if (spilled == null) {
            Integer at = columns.positions.get(key);
            if (at != null && at < filled && value != null) {
                JsonNode old = values[at];
                values[at] = value;
                return old;
            }
            if (at != null && at == filled && value != null) {
                values[filled++] = value;
                return null;
            }
            spill();
        }
        return spilled.put(key, value);
    }

    @Override
    public JsonNode remove(Object key) {
        if (spilled == null) {
            if (get(key) == null) {
                return null;
            }
            spill();
        }
        return spilled.remove(key);
    }

    @Override
    public void clear() {
        if (spilled != null) {
            spilled.clear();
        } else {
            java.util.Arrays.fill(values, null);
            filled = 0;
        }
    }

    private void spill() {
        LinkedHashMap<String, JsonNode> map = new LinkedHashMap<>();
        for (int i = 0; i < filled; i++) {
            map.put(columns.names[i], values[i]);
        }
        spilled = map;
    }

    @Override
    public Set<Entry<String, JsonNode>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, JsonNode>> iterator() {
                return spilled != null ? spilled.entrySet().iterator() : new InOrder();
            }

            @Override
            public int size() {
                return RowFields.this.size();
            }
        };
    }

    /** The fields in column order; an entry's value may be replaced, a field removed through the iterator. */
    private final class InOrder implements Iterator<Entry<String, JsonNode>> {
        private int next;
        private Iterator<Entry<String, JsonNode>> afterSpill;

        @Override
        public boolean hasNext() {
            return afterSpill != null ? afterSpill.hasNext() : next < filled && spilled == null;
        }

        @Override
        public Entry<String, JsonNode> next() {
            if (afterSpill != null) {
                return afterSpill.next();
            }
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int at = next++;
            return new Field(at);
        }

        @Override
        public void remove() {
            if (afterSpill != null) {
                afterSpill.remove();
                return;
            }
            if (next == 0 || spilled != null) {
                throw new IllegalStateException();
            }
            // a removal changes the order of what is left: go on over the LinkedHashMap, past the fields already seen
            spill();
            afterSpill = spilled.entrySet().iterator();
            for (int i = 0; i < next; i++) {
                afterSpill.next();
            }
            afterSpill.remove();
        }
    }

    private final class Field implements Entry<String, JsonNode> {
        private final int at;

        private Field(int at) {
            this.at = at;
        }

        @Override
        public String getKey() {
            return columns.names[at];
        }

        @Override
        public JsonNode getValue() {
            return spilled != null ? spilled.get(getKey()) : values[at];
        }

        @Override
        public JsonNode setValue(JsonNode value) {
            return put(getKey(), value);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Entry<?, ?> entry && getKey().equals(entry.getKey())
                    && java.util.Objects.equals(getValue(), entry.getValue());
        }

        @Override
        public int hashCode() {
            return getKey().hashCode() ^ java.util.Objects.hashCode(getValue());
        }

        @Override
        public String toString() {
            return getKey() + "=" + getValue();
        }
    }
}
