package dev.backfill.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.backfill.control.FindingFilter;
import dev.backfill.control.FindingStore;
import dev.backfill.control.RunStore;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.RefusedException;
import dev.backfill.lifecycle.RunKind;
import dev.backfill.lifecycle.RunStatus;
import dev.backfill.mapping.Finding;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.plan.Plan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The conflict report: every finding of the latest dry run (or those matching a filter), with
 * summary counts by kind and entity. Format documented in src/site/markdown/reports.md, version
 * {@value #SCHEMA_VERSION}.
 */
public final class ConflictReport {
    public static final int SCHEMA_VERSION = 1;
    public static final String REPORT_NAME = "backfill-conflicts";

    /** What was written: where, and how many findings. */
    public record Written(Path file, long findings, Map<FindingKind, Integer> byKind) {}

    private final Workspace workspace;

    public ConflictReport(Workspace workspace) {
        this.workspace = workspace;
    }

    public Written export(Path destination, FindingFilter filter) throws IOException, SQLException {
        Plan plan = workspace.plan();
        FindingStore store = workspace.control().findings();
        Optional<RunStore.Run> run = workspace.control().runs().latest(RunKind.DRY_RUN, RunStatus.DONE);
        if (run.isEmpty()) {
            throw new RefusedException("Plan '" + plan.name() + "' has no finished dry run yet, so there are no findings to export.",
                    java.util.List.of("backfill dry-run PLAN"));
        }
        Map<FindingKind, Map<String, Integer>> counts = store.counts(filter);
        long[] written = {0};
        Path file = ReportFiles.write(destination, json -> {
            json.writeStartObject();
            json.writeStringField("report", REPORT_NAME);
            json.writeNumberField("schema_version", SCHEMA_VERSION);
            writePlan(json, plan);
            writeRun(json, run.get());
            json.writeStringField("generated_at", OffsetDateTime.now(ZoneOffset.UTC).toString());
            writeFilter(json, filter);
            writeSummary(json, counts);
            json.writeArrayFieldStart("findings");
            store.forEach(filter, finding -> {
                write(json, finding);
                written[0]++;
            });
            json.writeEndArray();
            json.writeEndObject();
        });
        Map<FindingKind, Integer> byKind = new TreeMap<>();
        counts.forEach((kind, byEntity) -> byKind.put(kind, byEntity.values().stream().mapToInt(Integer::intValue).sum()));
        return new Written(file, written[0], byKind);
    }

    static void writePlan(JsonGenerator json, Plan plan) throws IOException {
        json.writeObjectFieldStart("plan");
        json.writeStringField("name", plan.name());
        json.writeStringField("file", plan.file());
        json.writeStringField("checksum", plan.checksum());
        json.writeArrayFieldStart("skipped_tables");
        for (dev.backfill.plan.SkipSpec skip : plan.skipped()) {
            json.writeStartObject();
            json.writeStringField("table", skip.table());
            json.writeStringField("reason", skip.reason());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    static void writeRun(JsonGenerator json, RunStore.Run run) throws IOException {
        json.writeObjectFieldStart("run");
        json.writeNumberField("id", run.id());
        json.writeStringField("kind", run.kind().sql());
        json.writeStringField("started_at", String.valueOf(run.startedAt()));
        json.writeStringField("finished_at", String.valueOf(run.finishedAt()));
        json.writeStringField("by", run.osUser() + "@" + run.host());
        json.writeStringField("plan_checksum", run.planChecksum());
        json.writeEndObject();
    }

    private static void writeFilter(JsonGenerator json, FindingFilter filter) throws IOException {
        json.writeObjectFieldStart("filter");
        json.writeArrayFieldStart("kinds");
        for (FindingKind kind : new java.util.TreeSet<>(filter.kinds())) {
            json.writeString(kind.name());
        }
        json.writeEndArray();
        json.writeArrayFieldStart("entities");
        for (String entity : new java.util.TreeSet<>(filter.entities())) {
            json.writeString(entity);
        }
        json.writeEndArray();
        json.writeStringField("field", filter.field());
        json.writeStringField("user", filter.user());
        json.writeEndObject();
    }

    private static void writeSummary(JsonGenerator json, Map<FindingKind, Map<String, Integer>> counts) throws IOException {
        Map<String, Integer> byEntity = new TreeMap<>();
        int total = 0;
        json.writeObjectFieldStart("summary");
        json.writeObjectFieldStart("by_kind");
        for (Map.Entry<FindingKind, Map<String, Integer>> kind : counts.entrySet()) {
            int sum = kind.getValue().values().stream().mapToInt(Integer::intValue).sum();
            total += sum;
            json.writeNumberField(kind.getKey().name(), sum);
            kind.getValue().forEach((entity, n) -> byEntity.merge(entity, n, Integer::sum));
        }
        json.writeEndObject();
        json.writeObjectFieldStart("by_entity");
        for (Map.Entry<String, Integer> entity : byEntity.entrySet()) {
            json.writeNumberField(entity.getKey(), entity.getValue());
        }
        json.writeEndObject();
        json.writeObjectFieldStart("by_kind_and_entity");
        for (Map.Entry<FindingKind, Map<String, Integer>> kind : counts.entrySet()) {
            json.writeObjectFieldStart(kind.getKey().name());
            for (Map.Entry<String, Integer> entity : kind.getValue().entrySet()) {
                json.writeNumberField(entity.getKey(), entity.getValue());
            }
            json.writeEndObject();
        }
        json.writeEndObject();
        json.writeNumberField("total", total);
        json.writeEndObject();
    }

    private static void write(JsonGenerator json, Finding finding) {
        try {
            json.writeStartObject();
            json.writeStringField("user", finding.user());
            json.writeStringField("entity", finding.entity());
            json.writeStringField("kind", finding.kind().name());
            json.writeStringField("field", finding.field());
            json.writeFieldName("values");
            json.writeStartArray();
            for (var value : finding.values()) {
                Json.MAPPER.writeTree(json, value);
            }
            json.writeEndArray();
            json.writeFieldName("chosen");
            if (finding.chosen() == null) {
                json.writeNull();
            } else {
                Json.MAPPER.writeTree(json, finding.chosen());
            }
            json.writeArrayFieldStart("legacy_ids");
            for (String id : finding.legacyIds()) {
                json.writeString(id);
            }
            json.writeEndArray();
            json.writeStringField("message", finding.message());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
