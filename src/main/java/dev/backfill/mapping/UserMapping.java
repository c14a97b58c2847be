package dev.backfill.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.plan.CheckSpec;
import dev.backfill.plan.ColumnSpec;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.Entity;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.IdSpec;
import dev.backfill.plan.SourceSpec;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Maps one user's legacy rows to planned target rows, entity by entity in dependency order.
 *
 * <p>Per entity the engine calls {@link #mapEntity} (pure: rows and findings), looks the candidates
 * up in the target, then calls {@link #settle} with the matches, which decides skip/update and
 * records the ids later entities' references resolve to.
 */
public final class UserMapping {
    private final MappingContext context;
    private final String user;
    private final Map<String, List<ObjectNode>> streams;
    private final List<Finding> findings = new ArrayList<>();
    private final Map<String, List<PlannedRow>> rows = new LinkedHashMap<>();
    private final Map<String, Integer> legacyCounts = new LinkedHashMap<>();
    private final Map<String, Integer> existing = new LinkedHashMap<>();
    private final Map<String, BigDecimal> checkTotals = new LinkedHashMap<>();
    /** entity → legacy id → new id */
    private final Map<String, Map<String, Object>> ids = new HashMap<>();
    /** entity → dropped duplicate's legacy id → the kept row's legacy id */
    private final Map<String, Map<String, String>> aliases = new HashMap<>();
    private final Set<String> supersededReported = new LinkedHashSet<>();
    /** Unreadable records already reported (each once, whichever entity of its stream meets it first). */
    private final Set<ObjectNode> unreadableReported = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Rows holding an unreadable value: only their columns are checked for one. */
    private final Set<ObjectNode> rowsWithUnreadable = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * Each entity's records, read once: the directory, the id preload and the mapping all ask for them,
     * and reading (unreadable markers, latest-of, explode, where) was a fifth of the dry run's mapping time.
     * Reading with {@code report} reads again, so that its findings are recorded.
     */
    private final Map<Entity, Read> reads = new IdentityHashMap<>();
    private final UnmappedFields unmapped;
    private final String fingerprint;
    /** entity → legacy id → the id each of this user's rows of an entity referencing itself will get, while it is mapped */
    private final Map<String, Map<String, Object>> provisionalIds = new HashMap<>();
    private boolean deferred;

    public UserMapping(MappingContext context, String user, Map<String, List<ObjectNode>> rowsByStream) {
        this(context, user, rowsByStream, Fingerprint.of(rowsByStream));
    }

    /** With the fingerprint the source reader computed from the raw rows. */
    public UserMapping(MappingContext context, String user, Map<String, List<ObjectNode>> rowsByStream, String fingerprint) {
        this.context = context;
        this.user = user;
        this.fingerprint = fingerprint;
        this.streams = new HashMap<>(rowsByStream);
        this.unmapped = context.unmapped();
    }

    public String user() {
        return user;
    }

    /**
     * Candidate rows of one entity for this user, deduplicated by natural key; findings recorded. Whatever
     * fails inside the tool while mapping this user's rows becomes a finding for this user (the row, or
     * this entity's rows, not migrated): one user's data never stops the others.
     */
    public List<PlannedRow> mapEntity(Entity entity) {
        try {
            return mapEntityRows(entity);
        } catch (RuntimeException | StackOverflowError e) {
            findings.add(crash(entity, "$", List.of(), "mapping this user's " + entity.name() + " records", e,
                    "none of this user's " + entity.name() + " rows is migrated"));
            legacyCounts.putIfAbsent(entity.name(), 0);
            return List.of();
        }
    }

    private List<PlannedRow> mapEntityRows(Entity entity) {
        Read read = read(entity, true);
        context.coverage().observe(entity, read.rows(), read.exploded(), read.kept());
        List<LegacyRecord> records = read.kept();
        legacyCounts.put(entity.name(), records.size());
        totalChecks(entity, records);
        reportUnmapped(entity, records);
        if (entity.id() != null && entity.references().contains(entity.name())) {
            // rows of this entity referencing each other: the ids they will get, until settle gives the final ones
            Map<String, Object> provisional = new HashMap<>();
            for (LegacyRecord record : records) {
                JsonNode legacy = entity.id().from() == null ? null : Paths.get(record, entity.id().from());
                boolean hasLegacy = legacy != null && !legacy.isMissingNode() && !legacy.isNull();
                Object id = foreignId(entity, user, idKey(record, legacy, hasLegacy));
                if (id != null) {
                    provisional.putIfAbsent(legacyId(entity, record), id);
                }
            }
            provisionalIds.put(entity.name(), provisional);
        }
        List<PlannedRow> candidates = new ArrayList<>();
        if (entity.grouped()) {
            for (List<LegacyRecord> group : groups(entity, records).values()) {
                PlannedRow row = buildRowOrReport(entity, group);
                if (row != null) {
                    candidates.add(row);
                }
            }
        } else {
            for (LegacyRecord record : records) {
                PlannedRow row = buildRowOrReport(entity, List.of(record));
                if (row != null) {
                    candidates.add(row);
                }
            }
        }
        return context.shape().rules().check(entity, user, dedupe(entity, candidates), findings);
    }

    /** One row, or null; a failure inside the tool is this row's finding (the columns report their own first). */
    private PlannedRow buildRowOrReport(Entity entity, List<LegacyRecord> records) {
        try {
            return buildRow(entity, records);
        } catch (RuntimeException | StackOverflowError e) {
            List<String> ids = new ArrayList<>();
            records.forEach(r -> ids.add("#" + r.position()));
            findings.add(crash(entity, "$", ids, "mapping this row", e, "the row is not migrated"));
            return null;
        }
    }

    /**
     * A finding for a failure inside the tool on this user's data: which value, what failed, that nothing else is
     * affected, and what to do. The exception's own text is shortened; it may quote the value.
     */
    private Finding crash(Entity entity, String field, List<String> legacyIds, String doing, Throwable e, String outcome) {
        String detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (detail.length() > 300) {
            detail = detail.substring(0, 297) + "…";
        }
        return new Finding(user, entity.name(), FindingKind.INVALID_VALUE, field, List.of(), null, legacyIds,
                entity.name() + (legacyIds.isEmpty() ? "" : " row (legacy id " + String.join(", ", legacyIds) + ")") + ": "
                        + doing + " failed inside this tool (" + detail + "); " + outcome + ". The other rows and users are"
                        + " not affected. This is a limit or a bug of the tool, not of the plan: report it with this user and legacy id");
    }

    /**
     * Applies what the target already holds: {@code existingByCandidate} maps a candidate's index to
     * the identity of the target row with the same natural key. Skipped rows' legacy ids then resolve
     * to the existing row; updated rows take over its identity.
     */
    public List<PlannedRow> settle(Entity entity, List<PlannedRow> candidates, Map<Integer, List<Object>> existingByCandidate) {
        try {
            return settleRows(entity, candidates, existingByCandidate);
        } catch (RuntimeException | StackOverflowError e) {
            findings.add(crash(entity, "$", List.of(), "matching this user's " + entity.name() + " rows against the target", e,
                    "none of this user's " + entity.name() + " rows is migrated"));
            existing.put(entity.name(), 0);
            rows.put(entity.name(), List.of());
            return List.of();
        }
    }

    private List<PlannedRow> settleRows(Entity entity, List<PlannedRow> candidates, Map<Integer, List<Object>> existingByCandidate) {
        List<PlannedRow> kept = new ArrayList<>();
        Map<String, Object> entityIds = ids.computeIfAbsent(entity.name(), k -> new HashMap<>());
        int matched = 0;
        for (int i = 0; i < candidates.size(); i++) {
            PlannedRow row = candidates.get(i);
            List<Object> existingIdentity = existingByCandidate.get(i);
            if (existingIdentity != null) {
                matched++;
                boolean update = entity.onExisting() == Entity.OnExisting.UPDATE;
                findings.add(new Finding(user, entity.name(), FindingKind.EXISTING_TARGET_ROW, String.join(",", entity.key()),
                        List.of(ValueOps.toJson(row.naturalKey())), ValueOps.toJson(existingIdentity), row.legacyIds(),
                        entity.into() + " already has a row with " + keyText(entity, row) + " (" + identityText(entity, existingIdentity)
                                + "); " + (update ? "it will be updated, its current values kept in the ledger for rollback"
                                : "this " + entity.name() + " row is skipped") + (entity.id() == null ? ""
                                : ", and references to legacy id " + row.legacyIdText() + " point at the existing row")));
                if (update) {
                    row = row.with(entity.identityColumns(), existingIdentity, true);
                    kept.add(row);
                } else if (entity.id() != null) {
                    Object existingId = existingIdentity.get(0);
                    row.legacyIds().forEach(legacyId -> entityIds.put(legacyId, existingId));
                    continue;
                } else {
                    continue;
                }
            } else {
                kept.add(row);
            }
            if (entity.id() != null) {
                Object id = row.value(entity.id().column());
                row.legacyIds().forEach(legacyId -> entityIds.put(legacyId, id));
            }
        }
        aliases.getOrDefault(entity.name(), Map.of()).forEach((dropped, survivor) -> {
            Object id = entityIds.get(survivor);
            if (id != null) {
                entityIds.put(dropped, id);
            }
        });
        existing.put(entity.name(), matched);
        List<PlannedRow> settled = provisionalIds.remove(entity.name()) == null ? kept
                : new SelfReferences(entity, user, findings).settle(kept, entityIds);
        rows.put(entity.name(), List.copyOf(settled));
        return settled;
    }

    /** Maps every entity with no target to compare against (nothing exists yet). */
    public UserResult mapAllWithoutTarget(List<Entity> entities) {
        for (Entity entity : entities) {
            settle(entity, mapEntity(entity), Map.of());
        }
        return result();
    }

    public UserResult result() {
        return new UserResult(user, fingerprint, Map.copyOf(rows), Map.copyOf(legacyCounts), Map.copyOf(existing),
                List.copyOf(findings), Map.copyOf(checkTotals));
    }

    /** The ids this user's rows got: entity → legacy id → new id (the shared scope's become everyone's). */
    public Map<String, Map<String, Object>> ids() {
        return ids;
    }

    /** A candidate row the target refuses (a CHECK constraint the engine evaluated): the finding says which and why. */
    public void refuse(Finding finding) {
        findings.add(finding);
    }

    /** The legacy records an entity maps for this user (after latest and explode), for previews. */
    public List<JsonNode> recordsOf(Entity entity) {
        return records(entity).stream().map(LegacyRecord::value).toList();
    }

    // ---- records ----

    /** The records without reporting anything: for directories, id preloads and previews (mapping reports). */
    private List<LegacyRecord> records(Entity entity) {
        return read(entity, false).kept();
    }

    /**
     * An entity's share of its stream: the readable rows, the records exploded from them, those {@code where} keeps.
     * {@code findings}: reading met something a reporting read records (an unreadable record or value, superseded rows).
     */
    private record Read(List<ObjectNode> rows, List<LegacyRecord> exploded, List<LegacyRecord> kept, boolean findings) {}

    /**
     * {@code report}: record the findings reading meets (once per user: only when the entity is mapped). A read
     * that met none is the same read whether it reports or not, so it is not repeated.
     */
    private Read read(Entity entity, boolean report) {
        Read cached = reads.get(entity);
        if (cached != null && (!report || !cached.findings())) {
            return cached;
        }
        Read read = readAgain(entity, report);
        reads.put(entity, read);
        return read;
    }

    private Read readAgain(Entity entity, boolean report) {
        SourceSpec from = entity.from();
        List<ObjectNode> streamRows = streams.getOrDefault(from.streamKey(), List.of());
        List<ObjectNode> readable = readable(entity, streamRows, report);
        boolean findings = readable.size() != streamRows.size() || (from.latest() != null && readable.size() > 1);
        streamRows = latest(entity, readable, report);
        List<LegacyRecord> records = new ArrayList<>();
        int position = 1;
        for (ObjectNode row : streamRows) {
            if (from.explode() == null) {
                records.add(LegacyRecord.ofRow(row, position++));
            } else {
                if (rowsWithUnreadable.contains(row)) {
                    findings = true;
                    if (report) {
                        reportUnreadableExplode(entity, row, position);
                    }
                }
                List<LegacyRecord> exploded = Paths.explode(row, from.explode(), position);
                records.addAll(exploded);
                position += exploded.size();
            }
        }
        if (from.where().isEmpty()) {
            return new Read(readable, records, records, findings);
        }
        List<LegacyRecord> kept = new ArrayList<>(records);
        kept.removeIf(record -> !matchesWhere(record, from.where()));
        return new Read(readable, records, kept, findings);
    }

    /**
     * The stream's rows minus whole records the source could not read (a JSON-lines line that is not a
     * document): each is this user's finding, once, and never a record. Rows holding an unreadable value
     * are kept and noted, so their columns are checked for it.
     */
    private List<ObjectNode> readable(Entity entity, List<ObjectNode> streamRows, boolean report) {
        List<ObjectNode> readable = null;
        for (int i = 0; i < streamRows.size(); i++) {
            ObjectNode row = streamRows.get(i);
            Unreadable marker = Unreadable.ofRecord(row);
            if (marker == null) {
                if (readable != null) {
                    readable.add(row);
                }
                if (Unreadable.anyIn(row)) {
                    rowsWithUnreadable.add(row);
                }
                continue;
            }
            if (readable == null) {
                readable = new ArrayList<>(streamRows.subList(0, i));
            }
            if (report && unreadableReported.add(row)) {
                findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, marker.field(), List.of(marker.shownNode()),
                        null, marker.where() == null ? List.of() : List.of(marker.where()), marker.reason() + "; this "
                        + entity.from().label() + " record is not migrated (nor anything the plan takes from it). Fix it in the"
                        + " source and dry-run this user again"));
            }
        }
        return readable == null ? streamRows : readable;
    }

    /** An explode path that runs into an unreadable value yields no records: say so, rather than lose them quietly. */
    private void reportUnreadableExplode(Entity entity, ObjectNode row, int position) {
        for (JsonNode reached : Paths.getAll(LegacyRecord.ofRow(row, position), entity.from().explode())) {
            Unreadable marker = Unreadable.of(reached);
            if (marker != null) {
                String id = rowId(row);
                findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, entity.from().explode().text(),
                        List.of(marker.shownNode()), null, List.of(id), entity.name() + ": the records of " + entity.from().label()
                        + " row " + id + " under '" + entity.from().explode().text() + "' cannot be read: the value "
                        + marker.reason() + "; none of them is migrated"));
                return;
            }
        }
    }

    /** The record's fields equal the source's {@code where} values (compared as text: 5 and "5" are equal; null matches absent). */
    static boolean matchesWhere(LegacyRecord record, Map<FieldPath, JsonNode> where) {
        for (Map.Entry<FieldPath, JsonNode> condition : where.entrySet()) {
            JsonNode actual = Paths.get(record, condition.getKey());
            JsonNode expected = condition.getValue();
            boolean actualEmpty = actual.isMissingNode() || actual.isNull();
            if (expected.isNull() ? !actualEmpty
                    : actualEmpty || !ColumnEvaluator.legacyText(actual).equals(ColumnEvaluator.legacyText(expected))) {
                return false;
            }
        }
        return true;
    }

    private List<ObjectNode> latest(Entity entity, List<ObjectNode> streamRows, boolean report) {
        String field = entity.from().latest();
        if (field == null || streamRows.size() < 2) {
            return streamRows;
        }
        ObjectNode best = streamRows.get(0);
        for (ObjectNode row : streamRows.subList(1, streamRows.size())) {
            if (compareLatest(row.get(field), best.get(field)) > 0) {
                best = row;
            }
        }
        String streamKey = entity.from().streamKey();
        if (report && supersededReported.add(streamKey)) {
            ObjectNode kept = best;
            List<String> dropped = streamRows.stream().filter(r -> r != kept).map(UserMapping::rowId).toList();
            findings.add(new Finding(user, entity.name(), FindingKind.SUPERSEDED_ROW, field,
                    streamRows.stream().filter(r -> r != kept).<JsonNode>map(r -> r.path(field)).toList(), kept.path(field),
                    dropped, "this user has " + streamRows.size() + " rows in " + entity.from().label() + "; the latest ("
                    + field + " " + Coercer.show(kept.path(field)) + ", id " + rowId(kept) + ") is migrated, the "
                    + dropped.size() + " older one(s) (" + String.join(", ", dropped) + ") are not"));
        }
        return List.of(best);
    }

    private static int compareLatest(JsonNode a, JsonNode b) {
        if (a == null || a.isNull()) {
            return b == null || b.isNull() ? 0 : -1;
        }
        if (b == null || b.isNull()) {
            return 1;
        }
        ColumnType time = ColumnType.of(Coercion.TIMESTAMPTZ);
        if (Coercer.coerce(a, time, null) instanceof Coercer.Ok x && Coercer.coerce(b, time, null) instanceof Coercer.Ok y) {
            return ((OffsetDateTime) x.value()).compareTo((OffsetDateTime) y.value());
        }
        return ColumnEvaluator.legacyText(a).compareTo(ColumnEvaluator.legacyText(b));
    }

    private static String rowId(ObjectNode row) {
        JsonNode id = row.has("id") ? row.get("id") : row.get("_id");
        return id == null || id.isNull() ? "(no id)" : ColumnEvaluator.legacyText(id);
    }

    private Map<String, List<LegacyRecord>> groups(Entity entity, List<LegacyRecord> records) {
        Map<String, List<LegacyRecord>> groups = new LinkedHashMap<>();
        for (LegacyRecord record : records) {
            StringBuilder key = new StringBuilder();
            for (FieldPath path : entity.group()) {
                JsonNode value = Paths.get(record, path);
                key.append(value.isMissingNode() ? "" : ColumnEvaluator.legacyText(value)).append('\u001f');
            }
            groups.computeIfAbsent(key.toString(), k -> new ArrayList<>()).add(record);
        }
        return groups;
    }

    // ---- rows ----

    private PlannedRow buildRow(Entity entity, List<LegacyRecord> records) {
        List<String> legacyIds = records.size() == 1 ? List.of(legacyId(entity, records.get(0)))
                : records.stream().map(r -> legacyId(entity, r)).distinct().toList();
        for (int i = 0; i < legacyIds.size(); i++) {
            String problem = StoredText.problem(legacyIds.get(i));
            if (problem != null) {
                // the control schema keeps legacy ids as text (id map, findings): one it cannot store stays behind, reported
                FieldPath named = entity.legacyId() != null ? entity.legacyId() : entity.id() != null ? entity.id().from() : null;
                findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, named == null ? "$" : named.text(),
                        List.of(Json.NODES.textNode(legacyIds.get(i))), null, List.of(legacyIds.get(i)), entity.name()
                        + " row #" + records.get(0).position() + ": its legacy id " + problem + "; the row is not migrated"));
                return null;
            }
        }
        ColumnEvaluator evaluator = new ColumnEvaluator(context, entity, user, findings, this::resolve, rowsWithUnreadable);
        Map<String, Object> row = new HashMap<>();
        if (entity.id() != null) {
            Object id = id(entity, records.get(0), legacyIds);
            if (id == null) {
                return null;
            }
            row.put(entity.id().column(), id);
        }
        boolean skip = false;
        int findingsBefore = findings.size();
        List<RowRef> refs = new ArrayList<>(0);
        for (ColumnSpec column : context.plainColumns(entity)) {
            ColumnEvaluator.Outcome outcome;
            try {
                // a group of one record is merged too, so a union is a deduplicated list whether a user has one record or several
                outcome = !entity.grouped()
                        ? evaluator.evaluate(column, records.get(0), row, legacyIds)
                        : merge(entity, column, records, row, legacyIds, evaluator);
            } catch (RuntimeException | StackOverflowError e) {
                findings.add(crash(entity, column.name(), legacyIds, "making " + column.name(), e, "the row is not migrated"));
                outcome = new ColumnEvaluator.Outcome(null, true);
            }
            skip |= outcome.skipRow();
            row.put(column.name(), outcome.value());
            if (outcome.ref() != null) {
                refs.add(outcome.ref());
            }
        }
        for (ColumnSpec column : computedInOrder(entity)) {
            ColumnEvaluator.Outcome outcome;
            try {
                outcome = evaluator.evaluate(column, records.get(0), row, legacyIds);
            } catch (RuntimeException | StackOverflowError e) {
                findings.add(crash(entity, column.name(), legacyIds, "making " + column.name(), e, "the row is not migrated"));
                outcome = new ColumnEvaluator.Outcome(null, true);
            }
            skip |= outcome.skipRow();
            row.put(column.name(), outcome.value());
        }
        Set<String> reported = findings.size() == findingsBefore ? Set.of() : new LinkedHashSet<>();
        findings.subList(findingsBefore, findings.size()).forEach(f -> reported.add(f.field()));
        if (skip) {
            return null;
        }
        if (entity.canonicalOrder().size() == 2) {
            String a = entity.canonicalOrder().get(0);
            String b = entity.canonicalOrder().get(1);
            if (row.get(a) != null && row.get(b) != null && ValueText.plain(row.get(a)).compareTo(ValueText.plain(row.get(b))) > 0) {
                Object swap = row.get(a);
                row.put(a, row.get(b));
                row.put(b, swap);
            }
        }
        for (String required : entity.require()) {
            if (ValueOps.isEmpty(row.get(required)) && !reported.contains(required)) {
                findings.add(new Finding(user, entity.name(), FindingKind.MISSING_REQUIRED, required, List.of(), null, legacyIds,
                        entity.name() + " row (legacy id " + String.join(", ", legacyIds) + ") has no " + required
                                + ", which the plan requires; the row is not migrated"));
                skip = true;
            }
        }
        if (skip) {
            return null;
        }
        List<String> columns = entity.targetColumns();
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = row.get(columns.get(i));
        }
        return PlannedRow.of(entity, legacyIds, values, refs);
    }

    private List<ColumnSpec> computedInOrder(Entity entity) {
        return context.computedColumns(entity, UserMapping::orderComputed);
    }

    private static List<ColumnSpec> orderComputed(Entity entity) {
        List<ColumnSpec> pending = new ArrayList<>(entity.columns().stream().filter(c -> !c.targetColumnsUsed().isEmpty()).toList());
        List<ColumnSpec> ordered = new ArrayList<>();
        Set<String> ready = new LinkedHashSet<>(entity.targetColumns());
        pending.forEach(c -> ready.remove(c.name()));
        while (!pending.isEmpty()) {
            ColumnSpec next = pending.stream().filter(c -> ready.containsAll(c.targetColumnsUsed())).findFirst()
                    .orElse(pending.get(0));
            pending.remove(next);
            ordered.add(next);
            ready.add(next.name());
        }
        return ordered;
    }

    private ColumnEvaluator.Outcome merge(Entity entity, ColumnSpec column, List<LegacyRecord> records,
                                          Map<String, Object> row, List<String> legacyIds, ColumnEvaluator evaluator) {
        List<Object> values = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        boolean skip = false;
        for (LegacyRecord record : records) {
            ColumnEvaluator.Outcome outcome = evaluator.evaluate(column, record, row, List.of(legacyId(entity, record)));
            skip |= outcome.skipRow();
            values.add(outcome.value());
            sources.add(legacyId(entity, record));
        }
        ColumnType type = context.type(entity, column.name());
        Object merged = GroupMerge.merge(column.merge() == null ? ColumnSpec.Merge.FIRST : column.merge(), values, type,
                (path, competing, chosen) -> {
                    String field = path == null ? column.name() : column.name() + "." + path;
                    findings.add(new Finding(user, entity.name(), FindingKind.FIELD_CONFLICT, field,
                        competing, chosen, legacyIds, "the " + records.size() + " " + entity.from().label()
                        + " records of this user disagree on " + field + ": " + ColumnEvaluator.texts(competing) + "; "
                        + Coercer.show(chosen) + " is kept (" + describeMerge(column) + ")"));
                });
        return new ColumnEvaluator.Outcome(merged, skip);
    }

    private static String describeMerge(ColumnSpec column) {
        ColumnSpec.Merge merge = column.merge() == null ? ColumnSpec.Merge.FIRST : column.merge();
        return switch (merge) {
            case FIRST -> "first non-empty value";
            case LAST -> "last non-empty value";
            case DEEP -> "deep merge, later values win";
            case UNION -> "union";
        };
    }

    private Object id(Entity entity, LegacyRecord record, List<String> legacyIds) {
        IdSpec spec = entity.id();
        ColumnType type = context.type(entity, spec.column());
        JsonNode legacy = spec.from() == null ? null : Paths.get(record, spec.from());
        boolean hasLegacy = legacy != null && !legacy.isMissingNode() && !legacy.isNull()
                && !(legacy.isTextual() && legacy.textValue().isBlank());
        Unreadable unreadable = legacy == null ? null : Unreadable.of(legacy);
        if (unreadable != null) {
            findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, spec.column(), List.of(unreadable.shownNode()), null,
                    legacyIds, entity.name() + " row #" + record.position() + ": its legacy id " + spec.from() + " "
                            + unreadable.reason() + "; the row is not migrated"));
            return null;
        }
        if (spec.from() != null && !hasLegacy) {
            findings.add(new Finding(user, entity.name(), FindingKind.MISSING_REQUIRED, spec.from().text(), List.of(), null, legacyIds,
                    entity.name() + " row #" + record.position() + " has no " + spec.from() + " (its legacy id); the row is not migrated"));
            return null;
        }
        String legacyText = idKey(record, legacy, hasLegacy);
        String unstorable = StoredText.problem(legacyText);
        if (unstorable != null) {
            findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, spec.column(), List.of(legacy), null, legacyIds,
                    entity.name() + " row #" + record.position() + ": its legacy id " + spec.from() + " " + unstorable
                            + "; the id map keeps legacy ids as text, so the row is not migrated"));
            return null;
        }
        Object id = switch (spec.strategy()) {
            case PRESERVE -> legacy;
            case DERIVE -> UuidV5.of(UuidV5.NAMESPACE, context.plan().name() + "/" + entity.name() + "/"
                    + (spec.scopedToUser() ? user + "/" : "") + legacyText);
            case GENERATE -> context.ids().idFor(entity.name(), spec.scopedToUser() ? user : "", legacyText);
        };
        JsonNode raw = id instanceof JsonNode node ? node : Json.NODES.textNode(id.toString());
        Coercer.Result coerced = Coercer.coerce(raw, type, null);
        if (coerced instanceof Coercer.Invalid && spec.generateInvalid()) {
            UUID generated = context.ids().idFor(entity.name(), spec.scopedToUser() ? user : "", legacyText);
            coerced = Coercer.coerce(Json.NODES.textNode(generated.toString()), type, null);
        }
        if (coerced instanceof Coercer.Invalid invalid) {
            findings.add(new Finding(user, entity.name(), FindingKind.INVALID_VALUE, spec.column(), List.of(raw), null, legacyIds,
                    entity.name() + " row (legacy id " + legacyText + "): id " + invalid.reason()
                            + "; the row is not migrated (use strategy generate or derive for ids that are not "
                            + (type == null ? "valid" : type.coercion().planName()) + ")"));
            return null;
        }
        return ((Coercer.Ok) coerced).value();
    }

    private static String idKey(LegacyRecord record, JsonNode legacy, boolean hasLegacy) {
        return hasLegacy ? ColumnEvaluator.legacyText(legacy) : "#" + record.position();
    }

    /** The legacy ids of this user's records of an entity, as references name them (for the directory of legacy rows). */
    public List<String> legacyKeys(Entity entity) {
        List<String> keys = new ArrayList<>();
        try {
            for (LegacyRecord record : records(entity)) {
                keys.add(legacyId(entity, record));
            }
        } catch (RuntimeException | StackOverflowError e) {
            // only a directory: mapping the entity reports what fails
        }
        return keys;
    }

    /** The legacy ids the id strategy will ask the allocator about for this entity (to load them in bulk first). */
    public List<String> idKeys(Entity entity) {
        List<String> keys = new ArrayList<>();
        if (entity.id() == null) {
            return keys;
        }
        try {
            collectIdKeys(entity, keys);
        } catch (RuntimeException | StackOverflowError e) {
            // only a preload: mapping the entity reports what fails
        }
        return keys;
    }

    private void collectIdKeys(Entity entity, List<String> keys) {
        List<LegacyRecord> records = records(entity);
        List<LegacyRecord> firsts = entity.grouped()
                ? groups(entity, records).values().stream().map(g -> g.get(0)).toList() : records;
        for (LegacyRecord record : firsts) {
            JsonNode legacy = entity.id().from() == null ? null : Paths.get(record, entity.id().from());
            boolean hasLegacy = legacy != null && !legacy.isMissingNode() && !legacy.isNull();
            keys.add(idKey(record, legacy, hasLegacy));
        }
    }

    private String legacyId(Entity entity, LegacyRecord record) {
        FieldPath path = entity.legacyId() != null ? entity.legacyId()
                : entity.id() != null ? entity.id().from() : null;
        if (path != null) {
            JsonNode value = Paths.get(record, path);
            if (!value.isMissingNode() && !value.isNull()) {
                return ColumnEvaluator.legacyText(value);
            }
        }
        return "#" + record.position();
    }

    /**
     * A reference's target: one of this user's rows (already settled, or of the entity being mapped),
     * a shared row, or, through the directory, another user's row: the row then waits for it.
     */
    private ColumnEvaluator.Resolved resolve(ColumnSpec column, String entity, String legacyId) {
        Map<String, Object> own = ids.get(entity);
        if (own != null && own.containsKey(legacyId)) {
            return ColumnEvaluator.Resolved.to(own.get(legacyId), new RowRef(column.name(), entity, own.get(legacyId), legacyId, user, false));
        }
        Object shared = context.sharedIds().getOrDefault(entity, Map.of()).get(legacyId);
        if (shared != null) {
            return ColumnEvaluator.Resolved.to(shared, null);
        }
        Map<String, Object> selfIds = provisionalIds.get(entity);
        if (selfIds != null && selfIds.containsKey(legacyId)) {
            // a row of the entity being mapped: its id is settled (or the reference dropped) once every row is
            return ColumnEvaluator.Resolved.to(selfIds.get(legacyId), new RowRef(column.name(), entity, selfIds.get(legacyId), legacyId,
                    user, false));
        }
        RowDirectory directory = context.directory();
        if (!directory.crossUser()) {
            return ColumnEvaluator.Resolved.orphan("which is not among this user's migrated " + entity
                    + Finding.why(findings, entity, legacyId));
        }
        RowDirectory.Lookup found = directory.owner(entity, legacyId);
        switch (found.kind()) {
            case UNKNOWN:
                deferred = true;
                return ColumnEvaluator.Resolved.orphan("which is not known yet (decided once every user is read)");
            case ABSENT:
                return ColumnEvaluator.Resolved.orphan("which is in no user's legacy data");
            case OWNER:
            default:
                break;
        }
        if (found.owner().equals(user)) {
            String why = Finding.why(findings, entity, legacyId);
            return ColumnEvaluator.Resolved.orphan("which is this user's but is not migrated"
                    + (why.isEmpty() ? " (its own finding says why)" : why));
        }
        Object id = foreignId(context.plan().requireEntity(entity), found.owner(), legacyId);
        if (id == null) {
            return ColumnEvaluator.Resolved.orphan("whose id cannot be worked out for another user's row");
        }
        RowRef ref = new RowRef(column.name(), entity, id, legacyId, found.owner(), true);
        return column.onOtherUser() == ColumnSpec.OnOtherUser.SKIP ? ColumnEvaluator.Resolved.otherUser(ref)
                : ColumnEvaluator.Resolved.to(id, ref);
    }

    /** The new id another user's row (or a row of this user not settled yet) gets, as its own mapping gives it. */
    private Object foreignId(Entity entity, String owner, String legacyText) {
        IdSpec spec = entity.id();
        if (spec == null) {
            return null;
        }
        ColumnType type = context.type(entity, spec.column());
        String scope = spec.scopedToUser() ? owner : "";
        Object id = switch (spec.strategy()) {
            case PRESERVE -> legacyText;
            case DERIVE -> UuidV5.of(UuidV5.NAMESPACE, context.plan().name() + "/" + entity.name() + "/"
                    + (spec.scopedToUser() ? owner + "/" : "") + legacyText);
            case GENERATE -> context.ids().idFor(entity.name(), scope, legacyText);
        };
        Coercer.Result coerced = Coercer.coerce(Json.NODES.textNode(id.toString()), type, null);
        if (coerced instanceof Coercer.Invalid && spec.generateInvalid()) {
            coerced = Coercer.coerce(Json.NODES.textNode(context.ids().idFor(entity.name(), scope, legacyText).toString()), type, null);
        }
        return coerced instanceof Coercer.Ok ok ? ok.value() : null;
    }

    /** Whether a reference could not be decided because the directory did not know the row yet (map this user again later). */
    public boolean deferred() {
        return deferred;
    }

    private List<PlannedRow> dedupe(Entity entity, List<PlannedRow> candidates) {
        Map<String, PlannedRow> byKey = new LinkedHashMap<>();
        List<PlannedRow> kept = new ArrayList<>();
        for (PlannedRow row : candidates) {
            String key = dedupeKey(row.naturalKey());
            PlannedRow first = byKey.putIfAbsent(key, row);
            if (first == null) {
                kept.add(row);
                continue;
            }
            Map<String, String> entityAliases = aliases.computeIfAbsent(entity.name(), k -> new HashMap<>());
            row.legacyIds().forEach(dropped -> entityAliases.put(dropped, first.legacyIds().get(0)));
            List<String> involved = new ArrayList<>(first.legacyIds());
            involved.addAll(row.legacyIds());
            findings.add(new Finding(user, entity.name(), FindingKind.DUPLICATE_KEY, String.join(",", entity.key()),
                    List.of(ValueOps.toJson(first.naturalKey()), ValueOps.toJson(row.naturalKey())), ValueOps.toJson(first.naturalKey()),
                    involved, "two " + entity.name() + " rows of this user share " + keyText(entity, row) + ": legacy ids "
                    + first.legacyIdText() + " and " + row.legacyIdText() + "; " + first.legacyIdText() + " is kept, "
                    + row.legacyIdText() + " is not migrated" + (entity.id() == null ? "" : " and references to it point at the kept row")));
        }
        return kept;
    }

    /** Equal natural keys give equal strings: each value's text, NULL marked apart from any text. */
    private static String dedupeKey(List<Object> key) {
        StringBuilder out = new StringBuilder();
        for (Object value : key) {
            out.append(value == null ? "\u0000N" : ValueText.plain(value)).append('\u0001');
        }
        return out.toString();
    }

    private static String keyText(Entity entity, PlannedRow row) {
        List<Object> key = row.naturalKey();
        List<String> shown = new ArrayList<>();
        key.forEach(v -> shown.add(v == null ? "NULL" : v instanceof String s ? "'" + s + "'" : ValueText.plain(v)));
        return "(" + String.join(", ", entity.key()) + ") = (" + String.join(", ", shown) + ")";
    }

    private static String identityText(Entity entity, List<Object> identity) {
        List<String> shown = new ArrayList<>();
        identity.forEach(v -> shown.add(ValueText.plain(v)));
        return String.join(", ", entity.identityColumns()) + " " + String.join(", ", shown);
    }

    // ---- report-only work ----

    private void totalChecks(Entity entity, List<LegacyRecord> records) {
        for (CheckSpec check : context.plan().checks()) {
            if (check.expect() instanceof CheckSpec.Expectation.LegacyTotal total && total.entity().equals(entity.name())) {
                BigDecimal value = BigDecimal.ZERO;
                if (total.sum() == null) {
                    value = BigDecimal.valueOf(records.size());
                } else {
                    for (LegacyRecord record : records) {
                        for (JsonNode item : Paths.getAll(record, total.sum())) {
                            if (Coercer.coerce(item, ColumnType.of(Coercion.NUMERIC), null) instanceof Coercer.Ok ok
                                    && ok.value() instanceof BigDecimal number) {
                                value = value.add(number);
                            }
                        }
                    }
                }
                checkTotals.merge(check.name(), value, BigDecimal::add);
            }
        }
    }

    private void reportUnmapped(Entity entity, List<LegacyRecord> records) {
        for (FieldPath root : entity.unmapped()) {
            Map<String, List<JsonNode>> values = new LinkedHashMap<>();
            Map<String, List<String>> owners = new LinkedHashMap<>();
            for (LegacyRecord record : records) {
                unmapped.find(entity, record, root).forEach((key, found) -> {
                    values.computeIfAbsent(key, k -> new ArrayList<>()).addAll(found);
                    owners.computeIfAbsent(key, k -> new ArrayList<>()).add(legacyId(entity, record));
                });
            }
            values.forEach((key, found) -> {
                List<JsonNode> samples = found.stream().distinct().limit(3).toList();
                findings.add(new Finding(user, entity.name(), FindingKind.UNMAPPED_FIELD, key, samples, null,
                        owners.get(key).stream().distinct().toList(), key + " is in " + found.size() + " legacy "
                        + entity.from().label() + " record(s) of this user but the plan never reads it (e.g. "
                        + Coercer.show(samples.get(0)) + "); it stays in the legacy data and is not migrated"));
            });
        }
    }
}
