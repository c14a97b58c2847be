package dev.backfill.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Binds a composed YAML tree to the plan model, collecting every error instead of stopping at the first. */
final class PlanReader {
    private static final Pattern SECRET = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final String[] COLUMN_SOURCES =
            {"from", "value", "pack", "completeness", "missing", "count", "sum", "size", "percent"};

    private final List<PlanError> errors;
    private final Path baseDir;

    PlanReader(List<PlanError> errors, Path baseDir) {
        this.errors = errors;
        this.baseDir = baseDir;
    }

    record Draft(String name, String description, ConnectionSpec source, ConnectionSpec target, String controlSchema,
                 String partition, int batchUsers, Plan.RetrySpec retry, List<Entity> entities,
                 List<SkipSpec> skipped, List<CheckSpec> checks) {}

    Draft read(Node root, Location at) {
        var top = YamlFields.open(root, at, errors, "version", "plan", "description", "source", "target",
                "partition", "batch", "retry", "entities", "skip", "checks");
        if (top.isEmpty()) {
            return null;
        }
        YamlFields f = top.get();
        String version = f.text("version");
        if (version != null && !version.trim().equals("1")) {
            f.error("version", "this tool reads plan format version 1, the file says " + version);
        }
        String name = f.requireText("plan");
        if (name != null && !name.matches("[A-Za-z0-9_.-]+")) {
            f.error("plan", "a plan name may use letters, digits, '_', '.' and '-' only, found '" + name + "'");
        }
        ConnectionSpec source = f.has("source") ? connection(f, "source", false) : missing(f, "source");
        ConnectionSpec target = f.has("target") ? connection(f, "target", true) : missing(f, "target");
        String controlSchema = controlSchema(f);
        String partition = f.requireText("partition");
        int batchUsers = batch(f);
        Plan.RetrySpec retry = retry(f);
        List<Entity> entities = new ArrayList<>();
        if (!f.has("entities")) {
            f.requireText("entities");
        } else {
            int[] listed = {0};
            eachItem(f, "entities", (node, itemAt) -> {
                listed[0]++;
                Entity entity = entity(node, itemAt, partition);
                if (entity != null) {
                    entities.add(entity);
                }
            });
            if (listed[0] == 0) {
                errors.add(new PlanError(f.at("entities"), "the plan lists no entity, so it would migrate nothing; add at least one"
                        + " target table under 'entities'"));
            }
        }
        List<SkipSpec> skipped = new ArrayList<>();
        eachItem(f, "skip", (node, itemAt) -> YamlFields.open(node, itemAt, errors, "table", "reason")
                .ifPresent(s -> {
                    String table = s.requireText("table");
                    String reason = s.requireText("reason");
                    if (table != null && reason != null) {
                        skipped.add(new SkipSpec(table, reason, s.at()));
                    }
                }));
        List<CheckSpec> checks = new ArrayList<>();
        eachItem(f, "checks", (node, itemAt) -> {
            CheckSpec check = check(node, itemAt);
            if (check != null) {
                checks.add(check);
            }
        });
        return new Draft(name, f.text("description"), source, target, controlSchema, partition, batchUsers,
                retry, entities, skipped, checks);
    }

    private ConnectionSpec missing(YamlFields f, String key) {
        f.requireText(key);
        return null;
    }

    private String controlSchema(YamlFields top) {
        if (!top.has("target")) {
            return "backfill";
        }
        // Read with a throwaway error list: connection() reports the target's problems once.
        return YamlFields.open(top.node("target"), top.at("target"), new ArrayList<>())
                .map(t -> t.text("control_schema"))
                .orElse("backfill");
    }

    private ConnectionSpec connection(YamlFields parent, String key, boolean isTarget) {
        String[] allowed = isTarget
                ? new String[] {"jdbc", "user", "password", "embedded", "database", "control_schema"}
                : new String[] {"jdbc", "user", "password", "embedded", "database", "sqlite", "jsonl"};
        var opened = YamlFields.open(parent.node(key), parent.at(key), errors, allowed);
        if (opened.isEmpty()) {
            return null;
        }
        YamlFields c = opened.get();
        List<String> kinds = new ArrayList<>();
        for (String kind : new String[] {"jdbc", "embedded", "sqlite", "jsonl"}) {
            if (c.has(kind)) {
                kinds.add(kind);
            }
        }
        if (kinds.size() != 1) {
            errors.add(new PlanError(c.at(), "say exactly one of " + (isTarget ? "jdbc or embedded" : "jdbc, embedded, sqlite or jsonl")
                    + " for the " + key + (kinds.isEmpty() ? "" : "; found " + kinds)));
            return null;
        }
        String kind = kinds.get(0);
        if (isTarget) {
            checkControlSchema(c);
        }
        if (c.has("password") && !kind.equals("jdbc")) {
            c.error("password", "a password only applies to a jdbc connection");
        }
        switch (kind) {
            case "jdbc" -> {
                String url = c.text("jdbc");
                if (url != null && !url.startsWith("jdbc:postgresql:")) {
                    c.error("jdbc", "only PostgreSQL JDBC URLs (jdbc:postgresql://host/db) are supported, found '"
                            + JdbcUrls.redact(url) + "'");
                }
                JdbcUrls.credentials(url == null ? "" : url).ifPresent(where -> c.error("jdbc", "the URL carries " + where
                        + "; a plan never holds a password: remove it from the URL and use 'password: ${ENV}', naming the"
                        + " environment variable that holds it (e.g. password: ${" + key.toUpperCase(Locale.ROOT) + "_PW}),"
                        + " and 'user:' for the user"));
                return new ConnectionSpec.Postgres(url, c.text("user"), secret(c));
            }
            case "embedded" -> {
                String dir = c.text("embedded");
                String database = c.text("database");
                if (dir == null) {
                    return null;
                }
                Path folder = resolve(dir);
                EmbeddedDataFolder.problem(folder).ifPresent(problem -> c.error("embedded", "'" + dir + "': " + problem
                        + ". Name a new or empty folder (e.g. embedded: pg, next to the plan file) or the data folder of an existing demo"));
                return new ConnectionSpec.Embedded(folder, database == null ? "postgres" : database);
            }
            case "sqlite" -> {
                String file = c.text("sqlite");
                return file == null ? null : new ConnectionSpec.Sqlite(resolve(file));
            }
            default -> {
                String file = c.text("jsonl");
                return file == null ? null : new ConnectionSpec.JsonLines(resolve(file));
            }
        }
    }

    /** The control schema gets its own tables (and Flyway's history); it must not be a schema the product or PostgreSQL owns. */
    private static void checkControlSchema(YamlFields c) {
        String schema = c.text("control_schema");
        if (schema == null) {
            return;
        }
        String lower = schema.toLowerCase(Locale.ROOT);
        if (schema.isBlank() || schema.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
            c.error("control_schema", "a schema name of 1 to 63 bytes, e.g. backfill; found '" + schema + "'");
        } else if (lower.equals("public") || lower.startsWith("pg_") || lower.equals("information_schema")) {
            c.error("control_schema", "'" + schema + "' is not the tool's to fill with control tables; name a schema of its own,"
                    + " e.g. backfill");
        }
    }

    private SecretRef secret(YamlFields c) {
        String text = c.text("password");
        if (text == null) {
            return null;
        }
        Matcher matcher = SECRET.matcher(text.trim());
        if (!matcher.matches()) {
            c.error("password", "write the password as a reference to an environment variable, e.g. ${APP_PW}; "
                    + "plans are shared and reviewed, so they never hold a password");
            return null;
        }
        return new SecretRef(matcher.group(1));
    }

    private Path resolve(String file) {
        Path path = Path.of(file);
        return path.isAbsolute() ? path : baseDir.resolve(path).normalize();
    }

    private int batch(YamlFields f) {
        if (!f.has("batch")) {
            return 10;
        }
        return YamlFields.open(f.node("batch"), f.at("batch"), errors, "users").map(b -> {
            Integer users = b.integer("users");
            if (users == null) {
                b.requireText("users");
                return 10;
            }
            if (users < 1) {
                b.error("users", "a batch needs at least 1 user, found " + users);
                return 10;
            }
            return users;
        }).orElse(10);
    }

    private Plan.RetrySpec retry(YamlFields f) {
        if (!f.has("retry")) {
            return Plan.RetrySpec.DEFAULT;
        }
        return YamlFields.open(f.node("retry"), f.at("retry"), errors, "attempts", "backoff_ms").map(r -> {
            Integer attempts = r.integer("attempts");
            Integer backoff = r.integer("backoff_ms");
            if (attempts != null && attempts < 1) {
                r.error("attempts", "at least 1 attempt, found " + attempts);
            }
            if (backoff != null && backoff < 0) {
                r.error("backoff_ms", "a backoff cannot be negative, found " + backoff);
            }
            return new Plan.RetrySpec(attempts == null ? Plan.RetrySpec.DEFAULT.attempts() : Math.max(1, attempts),
                    backoff == null ? Plan.RetrySpec.DEFAULT.backoffMillis() : Math.max(0, backoff));
        }).orElse(Plan.RetrySpec.DEFAULT);
    }

    private Entity entity(Node node, Location at, String planPartition) {
        var opened = YamlFields.open(node, at, errors, "name", "from", "into", "key", "on_existing", "id", "require",
                "columns", "order", "group", "unmapped", "shared", "legacy_id", "unique");
        if (opened.isEmpty()) {
            return null;
        }
        YamlFields e = opened.get();
        String name = e.requireText("name");
        String into = e.requireText("into");
        boolean shared = e.flag("shared");
        // shared rows (catalogs) belong to no user, so they do not inherit the plan's partition
        SourceSpec from = e.has("from") ? source(e, shared ? null : planPartition) : null;
        if (!e.has("from")) {
            e.requireText("from");
        }
        List<String> key = e.textList("key");
        if (!e.has("key")) {
            errors.add(new PlanError(e.at(), "missing required key 'key': name the natural key (target columns) "
                    + "that identifies a row, so re-runs never duplicate it"));
        } else if (key.isEmpty()) {
            e.error("key", "the natural key needs at least one column");
        }
        Entity.OnExisting onExisting = Entity.OnExisting.SKIP;
        String existing = e.text("on_existing");
        if (existing != null) {
            switch (existing) {
                case "skip" -> onExisting = Entity.OnExisting.SKIP;
                case "update" -> onExisting = Entity.OnExisting.UPDATE;
                default -> e.error("on_existing", "expected skip or update, found '" + existing + "'");
            }
        }
        IdSpec id = e.has("id") ? id(e) : null;
        List<ColumnSpec> columns = new ArrayList<>();
        if (e.has("columns")) {
            YamlFields.open(e.node("columns"), e.at("columns"), errors).ifPresent(cols ->
                    cols.all().forEach((columnName, columnNode) -> {
                        ColumnSpec column = column(columnName, columnNode, cols.at(columnName), true);
                        if (column != null) {
                            columns.add(column);
                        }
                    }));
        } else {
            e.requireText("columns");
        }
        List<FieldPath> group = null;
        if (e.has("group")) {
            Node groupNode = e.node("group");
            if (groupNode instanceof ScalarNode scalar && List.of("true", "user", "yes").contains(scalar.getValue())) {
                group = List.of();
            } else if (groupNode instanceof ScalarNode scalar && List.of("false", "no").contains(scalar.getValue())) {
                group = null;
            } else {
                group = paths(e, "group");
            }
        }
        FieldPath legacyId = e.has("legacy_id") ? path(e, "legacy_id", e.text("legacy_id")) : null;
        return new Entity(name, e.at(), from, into, key, onExisting, id, e.textList("require"), columns,
                e.textList("order"), group, paths(e, "unmapped"), shared, legacyId, uniqueSets(e));
    }

    /** {@code unique: [email]} or {@code unique: [[email], [handle, site]]}: column sets unique across all users. */
    private List<List<String>> uniqueSets(YamlFields e) {
        Node node = e.node("unique");
        if (node == null) {
            return List.of();
        }
        if (!(node instanceof SequenceNode sequence)) {
            e.error("unique", "expected a list of columns, e.g. [email], or of column lists, e.g. [[email], [handle, site]]");
            return List.of();
        }
        List<List<String>> sets = new ArrayList<>();
        List<String> single = new ArrayList<>();
        for (Node item : sequence.getValue()) {
            if (item instanceof ScalarNode scalar) {
                single.add(scalar.getValue());
            } else if (item instanceof SequenceNode inner) {
                List<String> set = new ArrayList<>();
                inner.getValue().forEach(n -> set.add(n instanceof ScalarNode s ? s.getValue() : String.valueOf(n)));
                sets.add(set);
            }
        }
        if (!single.isEmpty()) {
            single.forEach(column -> sets.add(List.of(column)));
        }
        return sets;
    }

    private SourceSpec source(YamlFields entity, String planPartition) {
        var opened = YamlFields.open(entity.node("from"), entity.at("from"), errors,
                "table", "query", "document", "partition", "explode", "latest", "order_by", "where");
        if (opened.isEmpty()) {
            return null;
        }
        YamlFields s = opened.get();
        int kinds = (s.has("table") ? 1 : 0) + (s.has("query") ? 1 : 0) + (s.has("document") ? 1 : 0);
        if (kinds != 1) {
            errors.add(new PlanError(s.at(), "say exactly one of table, query or document as the entity's source"));
        }
        FieldPath explode = null;
        if (s.has("explode")) {
            explode = path(s, "explode", s.text("explode"));
            if (explode != null && !explode.hasWildcard()) {
                s.error("explode", "an explode path must reach array elements with [*], e.g. state.personas[*]");
            }
        }
        Map<FieldPath, JsonNode> where = new LinkedHashMap<>();
        if (s.has("where")) {
            YamlFields.open(s.node("where"), s.at("where"), errors).ifPresent(w -> w.all().forEach((field, value) -> {
                FieldPath path = pathAt(w.at(field), field);
                if (path != null && path.hasWildcard()) {
                    w.error(field, "a 'where' field names one value per record; [*] is not allowed here");
                } else if (path != null && !(value instanceof ScalarNode)) {
                    w.error(field, "a 'where' field is compared with one value, e.g. contextType: romantic");
                } else if (path != null) {
                    where.put(path, YamlFields.toJson(value));
                }
            }));
        }
        String partition = s.text("partition");
        return new SourceSpec(s.text("table"), s.text("query"), s.text("document"),
                partition != null ? partition : planPartition, explode, s.text("latest"), s.textList("order_by"), s.at(), where);
    }

    private IdSpec id(YamlFields entity) {
        var opened = YamlFields.open(entity.node("id"), entity.at("id"), errors, "column", "from", "strategy", "per_user", "otherwise");
        if (opened.isEmpty()) {
            return null;
        }
        YamlFields i = opened.get();
        String strategyText = i.text("strategy");
        IdSpec.Strategy strategy = IdSpec.Strategy.PRESERVE;
        if (strategyText == null) {
            i.requireText("strategy");
        } else {
            try {
                strategy = IdSpec.Strategy.valueOf(strategyText.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                i.error("strategy", "unknown id strategy '" + strategyText + "'; use preserve, generate or derive");
            }
        }
        FieldPath from = i.has("from") ? path(i, "from", i.text("from")) : null;
        if (from == null && strategy != IdSpec.Strategy.GENERATE && !i.has("from")) {
            errors.add(new PlanError(i.at(), "id strategy " + strategy.name().toLowerCase(Locale.ROOT)
                    + " needs 'from': the legacy field holding the legacy id"));
        }
        String otherwise = i.text("otherwise");
        boolean generateInvalid = false;
        if (otherwise != null) {
            if (!otherwise.equals("generate")) {
                i.error("otherwise", "the only choice is 'generate' (a legacy id that does not fit the id column gets a new one)");
            } else if (strategy != IdSpec.Strategy.PRESERVE) {
                i.error("otherwise", "'otherwise: generate' goes with strategy preserve");
            } else {
                generateInvalid = true;
            }
        }
        String column = i.text("column");
        return new IdSpec(column == null ? "id" : column, from, strategy, i.flag("per_user"), generateInvalid, i.at());
    }

    private ColumnSpec column(String name, Node node, Location at, boolean topLevel) {
        if (node instanceof ScalarNode scalar) {
            FieldPath path = pathAt(at, scalar.getValue());
            return path == null ? null : new ColumnSpec(name, at, new ValueSource.From(path), null, null, null,
                    Map.of(), new ColumnSpec.MapMiss.Invalid(), null, ColumnSpec.OnOrphan.SKIP_ROW, null, null,
                    false, null, null, false, null, ColumnSpec.OnOtherUser.WAIT);
        }
        var opened = YamlFields.open(node, at, errors, "from", "value", "pack", "completeness", "missing", "count",
                "where", "sum", "size", "percent", "as", "format", "default", "map", "otherwise", "ref", "on_orphan", "on_other_user",
                "merge", "when", "sort_keys", "dedupe_by", "case", "trim", "fallback");
        if (opened.isEmpty()) {
            return null;
        }
        YamlFields c = opened.get();
        List<String> sources = new ArrayList<>();
        for (String source : COLUMN_SOURCES) {
            if (c.has(source)) {
                sources.add(source);
            }
        }
        ValueSource source = null;
        if (sources.isEmpty()) {
            if (c.has("ref")) {
                errors.add(new PlanError(c.at(), "a reference needs 'from': the legacy field holding the legacy id to look up"));
            } else {
                errors.add(new PlanError(c.at(), "say where the value comes from: one of " + String.join(", ", COLUMN_SOURCES)));
            }
        } else if (sources.size() > 1) {
            errors.add(new PlanError(c.at(), "column '" + name + "' is mapped twice: it has both " + sources
                    + "; keep one (use 'fallback' for a second choice)"));
        } else {
            source = valueSource(c, sources.get(0));
        }
        if (c.has("where") && !c.has("count")) {
            c.error("where", "'where' only filters a 'count'");
        }
        Coercion as = null;
        String asText = c.text("as");
        if (asText != null) {
            as = Coercion.fromPlanName(asText).orElse(null);
            if (as == null) {
                c.error("as", "unknown coercion '" + asText + "'"
                        + YamlFields.suggestion(asText, Coercion.planNames()) + "; known: " + String.join(", ", Coercion.planNames()));
            }
        }
        Map<String, JsonNode> map = new LinkedHashMap<>();
        if (c.has("map")) {
            YamlFields.open(c.node("map"), c.at("map"), errors).ifPresent(m ->
                    m.all().forEach((legacy, value) -> map.put(legacy, YamlFields.toJson(value))));
        }
        ColumnSpec.MapMiss otherwise = new ColumnSpec.MapMiss.Invalid();
        if (c.has("otherwise")) {
            if (!c.has("map")) {
                c.error("otherwise", "'otherwise' says what a value missing from 'map' becomes; there is no 'map'");
            }
            JsonNode value = c.json("otherwise");
            if (value.isTextual() && value.asText().equals("keep")) {
                otherwise = new ColumnSpec.MapMiss.Keep();
            } else if (!(value.isTextual() && value.asText().equals("invalid"))) {
                otherwise = new ColumnSpec.MapMiss.Value(value);
            }
        }
        ColumnSpec.OnOrphan onOrphan = ColumnSpec.OnOrphan.SKIP_ROW;
        // YAML reads a bare 'null' as "no value"; here it is the word the plan documents (null the column)
        String orphan = c.node("on_orphan") instanceof ScalarNode bare && bare.getValue().equals("null")
                ? "null" : c.text("on_orphan");
        if (orphan != null) {
            switch (orphan) {
                case "skip" -> onOrphan = ColumnSpec.OnOrphan.SKIP_ROW;
                case "null" -> onOrphan = ColumnSpec.OnOrphan.NULL;
                default -> c.error("on_orphan", "expected skip (the row) or null (the column), found '" + orphan + "'");
            }
        }
        if (orphan != null && !c.has("ref")) {
            c.error("on_orphan", "'on_orphan' only applies to a reference ('ref')");
        }
        ColumnSpec.OnOtherUser onOtherUser = ColumnSpec.OnOtherUser.WAIT;
        String otherUser = c.text("on_other_user");
        if (otherUser != null) {
            switch (otherUser) {
                case "wait" -> onOtherUser = ColumnSpec.OnOtherUser.WAIT;
                case "skip" -> onOtherUser = ColumnSpec.OnOtherUser.SKIP;
                default -> c.error("on_other_user", "expected wait (the row is written once the other user's row is) or skip"
                        + " (never migrated, a finding), found '" + otherUser + "'");
            }
            if (!c.has("ref")) {
                c.error("on_other_user", "'on_other_user' only applies to a reference ('ref')");
            }
        }
        ColumnSpec.Merge merge = null;
        String mergeText = c.text("merge");
        if (mergeText != null) {
            try {
                merge = ColumnSpec.Merge.valueOf(mergeText.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                c.error("merge", "unknown merge '" + mergeText + "'; use first, last, union or deep");
            }
        }
        ColumnSpec.TextCase textCase = null;
        String caseText = c.text("case");
        if (caseText != null) {
            try {
                textCase = ColumnSpec.TextCase.valueOf(caseText.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                c.error("case", "unknown case '" + caseText + "'; use lower, upper or snake");
            }
        }
        ColumnSpec fallback = null;
        if (c.has("fallback")) {
            fallback = column(name, c.node("fallback"), c.at("fallback"), false);
        }
        FieldPath when = c.has("when") ? path(c, "when", c.text("when")) : null;
        if (!topLevel && (c.has("merge") || c.has("ref"))) {
            errors.add(new PlanError(c.at(), "a fallback cannot have its own merge or ref; put them on the column"));
        }
        return source == null ? null : new ColumnSpec(name, c.at(), source, as, c.text("format"), c.json("default"),
                map, otherwise, c.text("ref"), onOrphan, merge, when, c.flag("sort_keys"), c.text("dedupe_by"),
                textCase, c.flag("trim"), fallback, onOtherUser);
    }

    private ValueSource valueSource(YamlFields c, String kind) {
        return switch (kind) {
            case "from" -> {
                FieldPath path = path(c, "from", c.text("from"));
                yield path == null ? null : new ValueSource.From(path);
            }
            case "value" -> new ValueSource.Constant(c.json("value"));
            case "pack" -> new ValueSource.Pack(paths(c, "pack"));
            case "completeness" -> new ValueSource.Completeness(c.textList("completeness"));
            case "missing" -> new ValueSource.Missing(c.textList("missing"));
            case "count" -> {
                FieldPath path = path(c, "count", c.text("count"));
                Map<String, JsonNode> where = new LinkedHashMap<>();
                if (c.has("where")) {
                    YamlFields.open(c.node("where"), c.at("where"), errors).ifPresent(w ->
                            w.all().forEach((field, value) -> where.put(field, YamlFields.toJson(value))));
                }
                yield path == null ? null : new ValueSource.Count(path, where);
            }
            case "sum" -> {
                FieldPath path = path(c, "sum", c.text("sum"));
                yield path == null ? null : new ValueSource.Sum(path);
            }
            case "size" -> {
                FieldPath path = path(c, "size", c.text("size"));
                yield path == null ? null : new ValueSource.Size(path);
            }
            default -> {
                List<String> pair = c.textList("percent");
                if (pair.size() != 2) {
                    c.error("percent", "percent takes two target columns: [numerator, denominator]");
                    yield null;
                }
                yield new ValueSource.Percent(pair.get(0), pair.get(1));
            }
        };
    }

    private CheckSpec check(Node node, Location at) {
        var opened = YamlFields.open(node, at, errors, "name", "sql", "expect", "tolerance", "guaranteed_by");
        if (opened.isEmpty()) {
            return null;
        }
        YamlFields k = opened.get();
        String name = k.requireText("name");
        String sql = k.requireText("sql");
        CheckSpec.Expectation expect = null;
        if (!k.has("expect")) {
            k.requireText("expect");
        } else if (k.node("expect") instanceof ScalarNode) {
            BigDecimal value = decimal(k, "expect");
            expect = value == null ? null : new CheckSpec.Expectation.Value(value);
        } else {
            expect = YamlFields.open(k.node("expect"), k.at("expect"), errors, "sql", "on", "legacy", "sum")
                    .map(this::expectation).orElse(null);
        }
        BigDecimal tolerance = k.has("tolerance") ? decimal(k, "tolerance") : BigDecimal.ZERO;
        if (tolerance != null && tolerance.signum() < 0) {
            k.error("tolerance", "a tolerance cannot be negative");
        }
        List<String> guaranteedBy = k.textList("guaranteed_by");
        if (k.has("guaranteed_by")) {
            if (guaranteedBy.isEmpty() || guaranteedBy.stream().anyMatch(String::isBlank)) {
                k.error("guaranteed_by", "name one or more constraints of the target (foreign keys, unique or check constraints)");
            } else if (expect != null && !(expect instanceof CheckSpec.Expectation.Value value && value.value().signum() == 0)) {
                k.error("guaranteed_by", "only a check with 'expect: 0' can be guaranteed by constraints (they guarantee that"
                        + " rows breaking them do not exist); remove guaranteed_by or count something that must be 0");
            }
        }
        return name == null || sql == null || expect == null ? null
                : new CheckSpec(name, sql, expect, tolerance == null ? BigDecimal.ZERO : tolerance, guaranteedBy, k.at());
    }

    private CheckSpec.Expectation expectation(YamlFields x) {
        if (x.has("sql") == x.has("legacy")) {
            errors.add(new PlanError(x.at(), "expect either {sql: ..., on: source|target} or {legacy: ENTITY, sum: FIELD}"));
            return null;
        }
        if (x.has("sql")) {
            String on = x.text("on");
            CheckSpec.Side side = CheckSpec.Side.TARGET;
            if (on != null) {
                switch (on) {
                    case "source" -> side = CheckSpec.Side.SOURCE;
                    case "target" -> side = CheckSpec.Side.TARGET;
                    default -> x.error("on", "expected source or target, found '" + on + "'");
                }
            }
            return new CheckSpec.Expectation.Query(x.text("sql"), side);
        }
        FieldPath sum = x.has("sum") ? path(x, "sum", x.text("sum")) : null;
        return new CheckSpec.Expectation.LegacyTotal(x.text("legacy"), sum);
    }

    private BigDecimal decimal(YamlFields f, String key) {
        String text = f.text(key);
        if (text == null) {
            return null;
        }
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            f.error(key, "expected a number, found '" + text + "'");
            return null;
        }
    }

    private List<FieldPath> paths(YamlFields f, String key) {
        List<FieldPath> paths = new ArrayList<>();
        for (String text : f.textList(key)) {
            FieldPath path = path(f, key, text);
            if (path != null) {
                paths.add(path);
            }
        }
        return paths;
    }

    private FieldPath path(YamlFields f, String key, String text) {
        return text == null ? null : pathAt(f.at(key), text);
    }

    private FieldPath pathAt(Location at, String text) {
        try {
            return FieldPath.parse(text);
        } catch (IllegalArgumentException e) {
            errors.add(new PlanError(at, "bad path " + e.getMessage()));
            return null;
        }
    }

    private interface ItemReader {
        void read(Node node, Location at);
    }

    private void eachItem(YamlFields f, String key, ItemReader reader) {
        Node node = f.node(key);
        if (node == null) {
            return;
        }
        if (node instanceof ScalarNode scalar && scalar.getValue().isEmpty()) {
            return;
        }
        if (!(node instanceof SequenceNode sequence)) {
            f.error(key, "expected a list (items starting with '-'), found " + YamlFields.kind(node));
            return;
        }
        List<Node> items = sequence.getValue();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            Location base = f.at(key);
            Location itemAt = new Location(base.file(), YamlFields.line(item), YamlFields.column(item),
                    base.field() + "[" + i + "]");
            reader.read(item, itemAt);
        }
    }

}
