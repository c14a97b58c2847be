package dev.backfill.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * A path into a legacy record: {@code name}, {@code metadata.duration}, {@code parts[0]},
 * {@code parts[-1]}, {@code state.personas[*]}, {@code $parent.id}, {@code $row.user_id}.
 * {@code $parent} is the element an exploded record was taken from; {@code $row} the whole source row.
 */
public record FieldPath(String text, List<Segment> segments) {

    public sealed interface Segment permits Field, Index, Wildcard, Parent, Row {}

    public record Field(String name) implements Segment {}

    public record Index(int index) implements Segment {}

    public record Wildcard() implements Segment {}

    public record Parent() implements Segment {}

    public record Row() implements Segment {}

    public FieldPath {
        segments = List.copyOf(segments);
    }

    public static FieldPath parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        List<Segment> segments = new ArrayList<>();
        int i = 0;
        int n = text.length();
        boolean expectName = true;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '.') {
                if (expectName) {
                    throw new IllegalArgumentException("'" + text + "': empty name before '.' at position " + (i + 1));
                }
                expectName = true;
                i++;
            } else if (c == '[') {
                int close = text.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("'" + text + "': '[' at position " + (i + 1) + " is never closed");
                }
                String inside = text.substring(i + 1, close).trim();
                if (inside.equals("*")) {
                    segments.add(new Wildcard());
                } else {
                    try {
                        segments.add(new Index(Integer.parseInt(inside)));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + text + "': [" + inside
                                + "] is not an index; use a number like [0] or [-1], or [*] for every element");
                    }
                }
                expectName = false;
                i = close + 1;
            } else {
                int end = i;
                while (end < n && text.charAt(end) != '.' && text.charAt(end) != '[') {
                    end++;
                }
                String name = text.substring(i, end);
                if (!expectName) {
                    throw new IllegalArgumentException("'" + text + "': missing '.' before '" + name + "'");
                }
                if (name.equals("$parent")) {
                    segments.add(new Parent());
                } else if (name.equals("$row")) {
                    segments.add(new Row());
                } else if (name.equals("$")) {
                    if (!segments.isEmpty()) {
                        throw new IllegalArgumentException("'" + text + "': '$' (the whole record) can only start a path");
                    }
                } else {
                    segments.add(new Field(name));
                }
                expectName = false;
                i = end;
            }
        }
        if (expectName && !text.equals("$")) {
            throw new IllegalArgumentException("'" + text + "': path ends with '.'");
        }
        return new FieldPath(text, segments);
    }

    public boolean hasWildcard() {
        for (Segment segment : segments) {
            if (segment instanceof Wildcard) {
                return true;
            }
        }
        return false;
    }

    /** True for a plain top-level name, the only kind of path a SQL source can filter or sort on. */
    public boolean isSimpleName() {
        return segments.size() == 1 && segments.get(0) instanceof Field;
    }

    /** The first field name, e.g. {@code metadata} for {@code metadata.duration}. */
    public String head() {
        for (Segment segment : segments) {
            if (segment instanceof Field field) {
                return field.name();
            }
        }
        return "";
    }

    @Override
    public String toString() {
        return text;
    }
}
