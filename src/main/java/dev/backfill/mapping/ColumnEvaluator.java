package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Entity;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.ValueSource;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Makes one column's value for one record: source → when → map → case/trim → reference or
 * coercion → dedupe/sort keys → default → fallback. Problems become findings, never exceptions.
 */
final class ColumnEvaluator {

    /** The value, whether the row must not be migrated because of it, and the row it points at (for a reference). */
    record Outcome(Object value, boolean skipRow, RowRef ref) {
        Outcome(Object value, boolean skipRow) {
            this(value, skipRow, null);
        }
    }

    /**
     * What a reference resolves to: the new id and the row it names, or why it names no row that will
     * be written ({@code orphan}), or that it names another user's row the plan does not wait for.
     */
    record Resolved(Object id, RowRef ref, String orphan, boolean otherUserSkipped) {
        static Resolved to(Object id, RowRef ref) {
            return new Resolved(id, ref, null, false);
        }

        static Resolved orphan(String why) {
            return new Resolved(null, null, why, false);
        }

        static Resolved otherUser(RowRef ref) {
            return new Resolved(null, ref, null, true);
        }
    }

    /** Resolves a legacy id of another entity (or of the entity itself) to its new id. */
    interface References {
        Resolved resolve(ColumnSpec column, String entity, String legacyId);
    }

    private final MappingContext context;
    private final Entity entity;
    private final String user;
    private final List<Finding> findings;
    private final References references;
    /** The rows (by identity) holding an unreadable value somewhere; only their columns are checked for one. */
    private final Set<ObjectNode> rowsWithUnreadable;

    ColumnEvaluator(MappingContext context, Entity entity, String user, List<Finding> findings, References references) {
        this(context, entity, user, findings, references, Set.of());
    }

    ColumnEvaluator(MappingContext context, Entity entity, String user, List<Finding> findings, References references,
                    Set<ObjectNode> rowsWithUnreadable) {
        this.context = context;
        this.entity = entity;
        this.user = user;
        this.findings = findings;
        this.references = references;
        this.rowsWithUnreadable = rowsWithUnreadable;
    }

    Outcome evaluate(ColumnSpec spec, LegacyRecord record, Map<String, Object> row, List<String> legacyIds) {
        boolean required = entity.require().contains(spec.name());
        ColumnType type = context.type(entity, spec.name());
        Unreadable unreadable = rowsWithUnreadable.isEmpty() || !rowsWithUnreadable.contains(record.row()) ? null
                : unreadableRead(spec, record);
        JsonNode raw = unreadable == null ? source(spec.source(), record, row) : null;
        String problem = unreadable == null ? null : unreadable.reason();
        JsonNode offending = unreadable == null ? null : unreadable.shownNode();
        boolean dropRow = unreadable != null && unreadable.dropsRow();
        if (spec.when() != null && present(raw)) {
            JsonNode condition = Paths.get(record, spec.when());
            Coercer.Result flag = Coercer.coerce(condition, ColumnType.of(dev.backfill.plan.Coercion.BOOLEAN), null);
            if (flag instanceof Coercer.Invalid invalid) {
                problem = "its condition 'when: " + spec.when() + "' must be true or false, but " + invalid.reason();
                raw = null;
            } else if (!Boolean.TRUE.equals(((Coercer.Ok) flag).value())) {
                raw = null;
            }
        }
        if (present(raw) && !spec.map().isEmpty()) {
            String key = legacyText(raw);
            JsonNode mapped = spec.map().get(key);
            if (mapped == null && raw.isTextual() && (spec.trim() || spec.textCase() != null)) {
                // a map key may be written as the legacy spells the value or in the trimmed/cased form the column
                // normalises it to: 'In Progress', 'IN_PROGRESS' and 'inProgress' all find the key in_progress (case: snake)
                mapped = spec.map().get(textForm(spec, key));
            }
            if (mapped != null) {
                raw = mapped;
            } else if (spec.otherwise() instanceof ColumnSpec.MapMiss.Value value) {
                raw = value.value();
            } else if (spec.otherwise() instanceof ColumnSpec.MapMiss.Invalid) {
                problem = Coercer.show(raw) + " is not one of the mapped values " + spec.map().keySet();
                raw = null;
            }
        }
        if (present(raw) && raw.isTextual()) {
            raw = Json.NODES.textNode(textForm(spec, raw.textValue()));
        }
        if (problem != null && offending == null) {
            offending = Paths.get(record, pathOf(spec));
        }
        Object value = null;
        if (problem == null && present(raw)) {
            if (spec.ref() != null) {
                String legacyId = legacyText(raw);
                Resolved resolved = references.resolve(spec, spec.ref(), legacyId);
                if (resolved.otherUserSkipped()) {
                    findings.add(new Finding(user, entity.name(), FindingKind.OTHER_USER_REFERENCE, spec.name(), List.of(raw), null,
                            legacyIds, describe(legacyIds) + " points at " + spec.ref() + " " + Coercer.show(raw) + " of another user ("
                            + resolved.ref().owner() + "), and the plan says not to wait for other users' rows (on_other_user: skip);"
                            + " the row is not migrated"));
                    return new Outcome(null, true);
                }
                if (resolved.orphan() != null) {
                    boolean skip = spec.onOrphan() == ColumnSpec.OnOrphan.SKIP_ROW;
                    findings.add(new Finding(user, entity.name(), FindingKind.ORPHAN_REFERENCE, spec.name(),
                            List.of(raw), null, legacyIds, describe(legacyIds) + " points at " + spec.ref() + " " + Coercer.show(raw)
                            + ", " + resolved.orphan() + (skip ? "; the row is not migrated" : "; " + spec.name() + " is written as NULL")));
                    return new Outcome(null, skip);
                }
                Coercer.Result typed = Coercer.coerce(ValueOps.toJson(resolved.id()), type, spec.format());
                if (typed instanceof Coercer.Ok ok) {
                    return new Outcome(ok.value(), false, resolved.ref());
                }
                raw = ValueOps.toJson(resolved.id());
            }
            Coercer.Result coerced = Coercer.coerce(raw, type, spec.format());
            if (coerced instanceof Coercer.Invalid invalid) {
                problem = invalid.reason();
                offending = raw;
                dropRow = invalid.dropsRow();
            } else {
                value = ((Coercer.Ok) coerced).value();
            }
        }
        if (value instanceof JsonNode json && spec.dedupeBy() != null && json.isArray()) {
            value = dedupe(spec, (ArrayNode) json, legacyIds);
        }
        if (value instanceof JsonNode json && spec.sortKeys()) {
            value = ValueOps.sortKeys(json);
        }
        String usedInstead = "NULL";
        if (dropRow) {
            // a value the tool could not even read: no default or fallback stands in for it, the row stays behind
            findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, spec.name(),
                    offending == null || offending.isMissingNode() ? List.of() : List.of(offending), null, legacyIds,
                    describe(legacyIds) + ": " + spec.name() + " " + problem + "; the row is not migrated (a value this tool"
                            + " cannot read is never written in part or in another form)"));
            return new Outcome(null, true);
        }
        if (value == null && spec.defaultValue() != null && !spec.defaultValue().isNull()) {
            Coercer.Result fallbackValue = Coercer.coerce(spec.defaultValue(), type, spec.format());
            if (fallbackValue instanceof Coercer.Ok ok) {
                value = ok.value();
                usedInstead = "its default " + Coercer.show(spec.defaultValue());
            }
        }
        if (value == null && spec.fallback() != null) {
            Outcome fallback = evaluate(spec.fallback(), record, row, legacyIds);
            if (fallback.skipRow()) {
                return fallback;
            }
            value = fallback.value();
            usedInstead = "its fallback";
        }
        if (problem != null) {
            boolean skip = required && value == null;
            findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, spec.name(),
                    offending == null || offending.isMissingNode() ? List.of() : List.of(offending),
                    value == null ? null : ValueOps.toJson(value), legacyIds,
                    describe(legacyIds) + ": " + spec.name() + " " + problem + (skip
                            ? "; " + spec.name() + " is required, so the row is not migrated"
                            : "; " + spec.name() + " is written as " + usedInstead)));
            return new Outcome(value, skip);
        }
        return new Outcome(value, false);
    }

    /** The first unreadable value among the legacy fields this spec itself reads (its fallback checks its own). */
    private static Unreadable unreadableRead(ColumnSpec spec, LegacyRecord record) {
        List<FieldPath> paths = new ArrayList<>(spec.source().legacyPathsRead());
        if (spec.when() != null) {
            paths.add(spec.when());
        }
        for (FieldPath path : paths) {
            for (JsonNode value : path.hasWildcard() ? Paths.getAll(record, path) : List.of(Paths.get(record, path))) {
                Unreadable marker = Unreadable.of(value);
                if (marker != null) {
                    return marker;
                }
            }
        }
        return null;
    }

    private static FieldPath pathOf(ColumnSpec spec) {
        if (spec.source() instanceof ValueSource.From from) {
            return from.path();
        }
        return FieldPath.parse("$");
    }

    private JsonNode source(ValueSource source, LegacyRecord record, Map<String, Object> row) {
        if (source instanceof ValueSource.From from) {
            return Paths.get(record, from.path());
        }
        if (source instanceof ValueSource.Constant constant) {
            return constant.value();
        }
        if (source instanceof ValueSource.Pack pack) {
            ObjectNode packed = Json.NODES.objectNode();
            for (FieldPath field : pack.fields()) {
                JsonNode value = Paths.get(record, field);
                if (!value.isMissingNode()) {
                    packed.set(lastName(field), value);
                }
            }
            return packed;
        }
        if (source instanceof ValueSource.Completeness completeness) {
            long filled = completeness.columns().stream().filter(c -> !ValueOps.isEmpty(row.get(c))).count();
            int total = completeness.columns().size();
            return Json.NODES.numberNode(total == 0 ? 0L : Math.round(100.0 * filled / total));
        }
        if (source instanceof ValueSource.Missing missing) {
            ArrayNode names = Json.NODES.arrayNode();
            missing.columns().stream().filter(c -> ValueOps.isEmpty(row.get(c))).forEach(names::add);
            return names;
        }
        if (source instanceof ValueSource.Count count) {
            long matches = Paths.getAll(record, count.path()).stream().filter(e -> matches(e, count.where())).count();
            return Json.NODES.numberNode(matches);
        }
        if (source instanceof ValueSource.Sum sum) {
            BigDecimal total = BigDecimal.ZERO;
            for (JsonNode item : Paths.getAll(record, sum.path())) {
                if (Coercer.coerce(item, ColumnType.of(dev.backfill.plan.Coercion.NUMERIC), null) instanceof Coercer.Ok ok
                        && ok.value() instanceof BigDecimal number) {
                    total = total.add(number);
                }
            }
            return Json.NODES.numberNode(total);
        }
        if (source instanceof ValueSource.Size size) {
            JsonNode value = Paths.get(record, size.path());
            return value.isContainerNode() ? Json.NODES.numberNode((long) value.size()) : Json.NODES.nullNode();
        }
        ValueSource.Percent percent = (ValueSource.Percent) source;
        BigDecimal numerator = decimal(row.get(percent.numerator()));
        BigDecimal denominator = decimal(row.get(percent.denominator()));
        if (numerator == null || denominator == null || denominator.signum() == 0) {
            return Json.NODES.nullNode();
        }
        BigDecimal share = numerator.multiply(BigDecimal.valueOf(100)).divide(denominator, 0, RoundingMode.HALF_UP);
        // a share beyond a bigint stays a decimal: the column's conversion reports it, nothing overflows here
        return share.toBigInteger().bitLength() < 64 ? Json.NODES.numberNode(share.longValue()) : Json.NODES.numberNode(share);
    }

    private static BigDecimal decimal(Object value) {
        if (value instanceof Long number) {
            return BigDecimal.valueOf(number);
        }
        return value instanceof BigDecimal number ? number : null;
    }

    private static boolean matches(JsonNode element, Map<String, JsonNode> where) {
        for (Map.Entry<String, JsonNode> condition : where.entrySet()) {
            JsonNode actual = element.get(condition.getKey());
            if (actual == null || !legacyText(actual).equals(legacyText(condition.getValue()))) {
                return false;
            }
        }
        return true;
    }

    private JsonNode dedupe(ColumnSpec spec, ArrayNode array, List<String> legacyIds) {
        ArrayNode kept = Json.NODES.arrayNode();
        Set<String> seen = new HashSet<>();
        for (JsonNode item : array) {
            JsonNode id = item.get(spec.dedupeBy());
            String key = id == null ? null : legacyText(id);
            if (key != null && !seen.add(key)) {
                findings.add(new Finding(user, entity.name(), FindingKind.DUPLICATE_KEY, spec.name() + "." + spec.dedupeBy(),
                        List.of(item), null, legacyIds, describe(legacyIds) + ": " + spec.name() + " lists " + spec.dedupeBy()
                        + " " + Coercer.show(id) + " more than once; the first is kept, the repeat is dropped"));
                continue;
            }
            kept.add(item);
        }
        return kept;
    }

    private String textForm(ColumnSpec spec, String text) {
        String out = spec.trim() ? text.strip() : text;
        if (spec.textCase() == null) {
            return out;
        }
        return switch (spec.textCase()) {
            case LOWER -> out.toLowerCase(Locale.ROOT);
            case UPPER -> out.toUpperCase(Locale.ROOT);
            case SNAKE -> out.strip().replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("[\\s-]+", "_").toLowerCase(Locale.ROOT);
        };
    }

    private String describe(List<String> legacyIds) {
        return entity.name() + " row" + (legacyIds.isEmpty() ? "" : " (legacy id " + String.join(", ", legacyIds) + ")");
    }

    private static boolean present(JsonNode raw) {
        return raw != null && !raw.isNull() && !raw.isMissingNode();
    }

    private static String lastName(FieldPath path) {
        String name = path.text();
        for (FieldPath.Segment segment : path.segments()) {
            if (segment instanceof FieldPath.Field field) {
                name = field.name();
            }
        }
        return name;
    }

    /** A legacy value as the text used for map keys, ids and comparisons: 5 and "5" are the same. */
    static String legacyText(JsonNode raw) {
        if (raw instanceof com.fasterxml.jackson.databind.node.POJONode) {
            Unreadable marker = Unreadable.of(raw);
            return marker == null ? String.valueOf(raw) : marker.shown();
        }
        if (raw.isTextual()) {
            return raw.textValue();
        }
        if (raw.isNumber()) {
            return raw.isIntegralNumber() ? raw.bigIntegerValue().toString() : raw.decimalValue().toPlainString();
        }
        return raw.isValueNode() ? raw.asText() : Json.write(raw);
    }

    /** Names a legacy value list for messages. */
    static List<String> texts(List<JsonNode> values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(Coercer.show(v)));
        return out;
    }
}
