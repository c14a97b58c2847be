package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.Entity;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.FieldRead;
import dev.backfill.plan.Plan;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which fields the plan reads were found in at least one legacy record of a run. A JSON document
 * has no catalog to check a plan against before the run, so a misspelt path ({@code payload.categroy})
 * would silently read as missing, NULL for every user. Each path is watched until some record has it
 * (usually the first), so the cost is one lookup per record for a path that is never there; the keys
 * found where such a path stops are collected from the first records, for "did you mean".
 *
 * <p>One instance per run, shared by the users mapped in it (synchronized: apply maps on one thread,
 * but nothing here relies on it).
 */
public final class PathCoverage {
    /** The user key plan-wide findings are filed under: they are about the plan, not one user's data. */
    public static final String PLAN_USER = "<plan>";
    /** Records examined per missing path for the keys found around it. */
    private static final int EXAMINED = 1_000;
    private static final int KEYS_KEPT = 200;

    /** One path being looked for. */
    private static final class Watch {
        final FieldRead read;
        boolean found;
        /** Records looked at that could have had it (reached, not blocked by an empty array). */
        long evidence;
        int examined;
        /** Where the path stopped, as text (e.g. "metadata"), → the keys seen there. */
        final Map<String, Set<String>> keysAt = new LinkedHashMap<>();
        /** Where the path stopped → what was there when it was no object (text, an array, null). */
        final Map<String, Set<String>> heldAt = new LinkedHashMap<>();
        /** The name the path wanted where it stopped. */
        final Map<String, String> wantedAt = new LinkedHashMap<>();
        /** How many steps of the path were taken where it stopped. */
        final Map<String, Integer> depthAt = new LinkedHashMap<>();

        Watch(FieldRead read) {
            this.read = read;
        }
    }

    /** Entity → its paths not found yet (emptied as they are found). */
    private final Map<String, List<Watch>> pending = new LinkedHashMap<>();
    private final Map<String, List<Watch>> all = new LinkedHashMap<>();
    /** Entity → users that had at least one row of it. */
    private final Map<String, Long> users = new LinkedHashMap<>();

    public PathCoverage(Plan plan) {
        for (FieldRead read : FieldRead.of(plan)) {
            // every row of a user was found through its partition; a document source has nothing else to say about it
            if (!read.role().equals("partition")) {
                Watch watch = new Watch(read);
                all.computeIfAbsent(read.entity().name(), k -> new ArrayList<>()).add(watch);
                pending.computeIfAbsent(read.entity().name(), k -> new ArrayList<>()).add(watch);
            }
        }
    }

    /**
     * One user's rows of an entity: the source rows, the records exploded from them (before {@code where})
     * and the records kept. Paths of the row are looked for in the rows, {@code where} paths in the
     * exploded records, the others in the kept records.
     */
    public synchronized void observe(Entity entity, List<ObjectNode> rows, List<LegacyRecord> exploded, List<LegacyRecord> kept) {
        if (rows.isEmpty()) {
            return;
        }
        users.merge(entity.name(), 1L, Long::sum);
        List<Watch> watches = pending.get(entity.name());
        if (watches == null || watches.isEmpty()) {
            return;
        }
        Iterator<Watch> it = watches.iterator();
        while (it.hasNext()) {
            Watch watch = it.next();
            if (watch.read.ofRow()) {
                for (ObjectNode row : rows) {
                    if (look(watch, LegacyRecord.ofRow(row, 0))) {
                        break;
                    }
                }
            } else {
                for (LegacyRecord record : watch.read.role().equals("where") ? exploded : kept) {
                    if (look(watch, record)) {
                        break;
                    }
                }
            }
            if (watch.found) {
                it.remove();
            }
        }
    }

    /** Whether the record has the path; when not, notes what the record has where the path stops. */
    private static boolean look(Watch watch, LegacyRecord record) {
        FieldPath path = watch.read.path();
        boolean present = path.hasWildcard() ? !Paths.getAll(record, path).isEmpty() : !Paths.get(record, path).isMissingNode();
        if (present) {
            watch.found = true;
            return true;
        }
        Stop stop = stop(record, path);
        if (stop != null) {
            watch.evidence++;
            if (watch.examined++ < EXAMINED) {
                note(watch, stop);
            }
        }
        return false;
    }

    private static void note(Watch watch, Stop stop) {
        watch.wantedAt.putIfAbsent(stop.at(), stop.wanted());
        watch.depthAt.putIfAbsent(stop.at(), stop.depth());
        if (stop.node() != null && stop.node().isObject()) {
            Set<String> keys = watch.keysAt.computeIfAbsent(stop.at(), k -> new LinkedHashSet<>());
            Iterator<String> names = stop.node().fieldNames();
            while (names.hasNext() && keys.size() < KEYS_KEPT) {
                keys.add(names.next());
            }
        } else {
            watch.heldAt.computeIfAbsent(stop.at(), k -> new LinkedHashSet<>()).add(describe(stop.node()));
        }
    }

    /** Where a path stopped: the path up to there, the node found there (null: nothing), and the name or index wanted next. */
    private record Stop(String at, int depth, JsonNode node, String wanted) {}

    /**
     * Follows the path like {@link Paths#get} (the first element at a [*]) and says where it stops;
     * null when an empty array was in the way, which says nothing about the rest of the path.
     */
    private static Stop stop(LegacyRecord record, FieldPath path) {
        LegacyRecord context = record;
        JsonNode node = record.value();
        StringBuilder at = new StringBuilder();
        int depth = 0;
        for (FieldPath.Segment segment : path.segments()) {
            JsonNode next;
            String step;
            if (segment instanceof FieldPath.Field field) {
                step = field.name();
                next = node != null && node.isObject() ? node.get(field.name()) : null;
            } else if (segment instanceof FieldPath.Index index) {
                step = "[" + index.index() + "]";
                int i = node != null && node.isArray() && index.index() < 0 ? node.size() + index.index() : index.index();
                next = node != null && node.isArray() && i >= 0 && i < node.size() ? node.get(i) : null;
            } else if (segment instanceof FieldPath.Wildcard) {
                step = "[*]";
                if (node != null && node.isArray() && node.isEmpty()) {
                    return null;
                }
                next = node != null && node.isArray() ? node.get(0) : null;
            } else if (segment instanceof FieldPath.Parent) {
                step = "$parent";
                context = context == null ? null : context.parent();
                next = context == null ? null : context.value();
            } else {
                step = "$row";
                context = context == null ? null : LegacyRecord.ofRow(context.row(), context.position());
                next = context == null ? null : context.row();
            }
            if (next == null || next.isMissingNode()) {
                return new Stop(at.toString(), depth, node, step);
            }
            append(at, step);
            depth++;
            node = next;
        }
        return null;
    }

    private static void append(StringBuilder at, String step) {
        if (at.length() > 0 && !step.startsWith("[")) {
            at.append('.');
        }
        at.append(step);
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isNull()) {
            return "null";
        }
        if (node.isArray()) {
            return node.isEmpty() ? "an empty array" : "an array";
        }
        if (node.isPojo()) {
            return "an unreadable value";
        }
        return node.getNodeType().name().toLowerCase(Locale.ROOT).replace("string", "text");
    }

    /**
     * One {@code FIELD_NOT_FOUND} finding per path the plan reads that no record of the run had, for
     * entities that had records. The finding's values are the closest keys seen where the path stopped.
     */
    public synchronized List<Finding> findings() {
        List<Finding> findings = new ArrayList<>();
        pending.forEach((entity, watches) -> {
            long withRows = users.getOrDefault(entity, 0L);
            for (Watch watch : watches) {
                if (withRows > 0 && watch.evidence > 0) {
                    findings.add(finding(watch, withRows));
                }
            }
        });
        return findings;
    }

    /**
     * The finding for a path no record had. What the records hold is told where the path got furthest
     * (the most useful place for "did you mean"); records that stopped earlier are only counted.
     */
    private static Finding finding(Watch watch, long withRows) {
        FieldRead read = watch.read;
        Entity entity = read.entity();
        String deepest = watch.depthAt.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
        String wanted = watch.wantedAt.getOrDefault(deepest, "");
        String where = deepest.isEmpty() ? "The records" : "At '" + deepest + "' the records";
        Set<String> keys = watch.keysAt.getOrDefault(deepest, Set.of());
        Set<String> held = watch.heldAt.getOrDefault(deepest, Set.of());
        StringBuilder seen = new StringBuilder();
        List<JsonNode> values = new ArrayList<>();
        if (!keys.isEmpty()) {
            List<String> shown = new ArrayList<>(keys).subList(0, Math.min(keys.size(), 12));
            seen.append(where).append(" have the keys ").append(String.join(", ", shown)).append(keys.size() > shown.size() ? ", …" : "");
            for (String key : Closest.to(wanted, keys, 3)) {
                values.add(Json.NODES.textNode(deepest.isEmpty() ? key : deepest + "." + key));
            }
        }
        if (!held.isEmpty()) {
            seen.append(seen.length() == 0 ? where + " hold " : "; some hold ").append(String.join(" or ", held))
                    .append(" where '").append(wanted).append("' was looked for");
        }
        if (watch.depthAt.size() > 1 && !deepest.isEmpty()) {
            seen.append(" (other records do not reach '").append(deepest).append("')");
        }
        String line = read.at() == null || read.at().line() == 0 ? "" : ", plan line " + read.at().line();
        String field = read.at() == null || read.at().field().isEmpty() ? read.role() : read.at().field();
        String message = "no " + entity.from().label() + " record of the " + withRows + " user(s) mapped has '" + read.path().text()
                + "' (read by " + field + line + "), so it is missing, NULL, for every one of them. " + seen
                + (values.isEmpty() ? "." : ": did you mean '" + values.get(0).textValue() + "'?")
                + " Fix the plan if the path is misspelt; if no record has this field yet, nothing is lost";
        return new Finding(PLAN_USER, entity.name(), FindingKind.FIELD_NOT_FOUND, read.path().text(), values, null, List.of(), message);
    }
}
