package dev.backfill.ui.plan;

import dev.backfill.mapping.Json;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.ValueSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** A column mapping as a DBA reads it: where the value comes from, then what happens to it. */
final class ColumnDescriptions {

    private ColumnDescriptions() {}

    static String source(ValueSource source) {
        if (source instanceof ValueSource.From from) {
            return from.path().text();
        }
        if (source instanceof ValueSource.Constant constant) {
            return "constant " + Json.write(constant.value());
        }
        if (source instanceof ValueSource.Pack pack) {
            return "pack " + paths(pack.fields());
        }
        if (source instanceof ValueSource.Completeness completeness) {
            return "completeness of " + completeness.columns();
        }
        if (source instanceof ValueSource.Missing missing) {
            return "missing of " + missing.columns();
        }
        if (source instanceof ValueSource.Count count) {
            return "count " + count.path().text() + (count.where().isEmpty() ? "" : " where " + count.where());
        }
        if (source instanceof ValueSource.Sum sum) {
            return "sum " + sum.path().text();
        }
        if (source instanceof ValueSource.Size size) {
            return "size of " + size.path().text();
        }
        ValueSource.Percent percent = (ValueSource.Percent) source;
        return "percent " + percent.numerator() + " / " + percent.denominator();
    }

    static String transforms(ColumnSpec column) {
        List<String> steps = new ArrayList<>();
        if (column.when() != null) {
            steps.add("when " + column.when().text());
        }
        if (!column.map().isEmpty()) {
            steps.add("map " + column.map().entrySet().stream().map(e -> e.getKey() + "→" + Json.write(e.getValue()).replace("\"", ""))
                    .collect(Collectors.joining(", ", "{", "}")) + otherwise(column.otherwise()));
        }
        if (column.textCase() != null) {
            steps.add(column.textCase().name().toLowerCase(Locale.ROOT) + " case");
        }
        if (column.trim()) {
            steps.add("trim");
        }
        if (column.ref() != null) {
            steps.add("ref " + column.ref() + (column.onOrphan() == ColumnSpec.OnOrphan.NULL ? " (orphan → NULL)" : " (orphan → skip row)"));
        }
        if (column.merge() != null) {
            steps.add("merge " + column.merge().name().toLowerCase(Locale.ROOT));
        }
        if (column.dedupeBy() != null) {
            steps.add("dedupe by " + column.dedupeBy());
        }
        if (column.sortKeys()) {
            steps.add("sort keys");
        }
        if (column.defaultValue() != null) {
            steps.add("default " + Json.write(column.defaultValue()));
        }
        if (column.fallback() != null) {
            steps.add("else " + source(column.fallback().source()));
        }
        return String.join(" · ", steps);
    }

    private static String otherwise(ColumnSpec.MapMiss otherwise) {
        if (otherwise instanceof ColumnSpec.MapMiss.Keep) {
            return " else keep";
        }
        if (otherwise instanceof ColumnSpec.MapMiss.Value value) {
            return " else " + Json.write(value.value());
        }
        return "";
    }

    private static String paths(List<FieldPath> paths) {
        return paths.stream().map(FieldPath::text).collect(Collectors.joining(", ", "[", "]"));
    }
}
