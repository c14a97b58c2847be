package dev.backfill.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.backfill.control.Control;
import dev.backfill.control.HistoryStore;
import dev.backfill.control.RunStore;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.lifecycle.UserStatus;
import dev.backfill.mapping.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The run report: batches and their states, every approval with who and when, every run with its
 * timings, each user's outcome per apply and rollback, and the rows a rollback overwrote on the
 * operator's word with the content they had. Format in src/site/markdown/reports.md.
 */
public final class RunReport {
    public static final int SCHEMA_VERSION = 2;
    public static final String REPORT_NAME = "backfill-runs";

    private final Workspace workspace;

    public RunReport(Workspace workspace) {
        this.workspace = workspace;
    }

    public Path export(Path destination) throws IOException, SQLException {
        Control control = workspace.control();
        HistoryStore history = control.history();
        Map<UserStatus, Long> users = history.usersByStatus();
        List<BatchView> batches = control.queue().batches();
        List<HistoryStore.ApprovalRecord> approvals = history.approvals();
        List<RunStore.Run> runs = control.runs().all();
        return ReportFiles.write(destination, json -> {
            json.writeStartObject();
            json.writeStringField("report", REPORT_NAME);
            json.writeNumberField("schema_version", SCHEMA_VERSION);
            ConflictReport.writePlan(json, workspace.plan());
            json.writeStringField("generated_at", OffsetDateTime.now(ZoneOffset.UTC).toString());
            json.writeObjectFieldStart("users_by_status");
            for (Map.Entry<UserStatus, Long> status : users.entrySet()) {
                json.writeNumberField(status.getKey().sql(), status.getValue());
            }
            json.writeEndObject();
            json.writeArrayFieldStart("batches");
            for (BatchView batch : batches) {
                writeBatch(json, batch);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("approvals");
            for (HistoryStore.ApprovalRecord approval : approvals) {
                writeApproval(json, approval);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("runs");
            for (RunStore.Run run : runs) {
                writeRun(json, run);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("user_outcomes");
            history.forEachOutcome(outcome -> writeOutcome(json, outcome));
            json.writeEndArray();
            json.writeArrayFieldStart("overwritten_rows");
            history.forEachOverwritten(row -> writeOverwritten(json, row));
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void writeBatch(JsonGenerator json, BatchView batch) throws IOException {
        json.writeStartObject();
        json.writeNumberField("number", batch.number());
        json.writeStringField("state", batch.state().name());
        json.writeNumberField("users", batch.users());
        json.writeNumberField("users_migrated", batch.usersMigrated());
        json.writeNumberField("users_failed", batch.usersFailed());
        json.writeNumberField("users_source_changed", batch.usersSourceChanged());
        json.writeNumberField("users_target_changed", batch.usersTargetChanged());
        json.writeNumberField("legacy_rows", batch.legacyRows());
        json.writeNumberField("planned_rows", batch.plannedRows());
        json.writeNumberField("findings", batch.findings());
        json.writeEndObject();
    }

    private static void writeApproval(JsonGenerator json, HistoryStore.ApprovalRecord approval) throws IOException {
        json.writeStartObject();
        json.writeNumberField("id", approval.id());
        json.writeNumberField("batch", approval.batch());
        json.writeStringField("approved_by", approval.approvedBy());
        json.writeStringField("host", approval.host());
        json.writeStringField("approved_at", String.valueOf(approval.approvedAt()));
        json.writeStringField("plan_checksum", approval.planChecksum());
        json.writeStringField("revoked_at", approval.revokedAt() == null ? null : approval.revokedAt().toString());
        json.writeStringField("revoked_reason", approval.revokedReason());
        json.writeNumberField("users", approval.users());
        json.writeEndObject();
    }

    private static void writeRun(JsonGenerator json, RunStore.Run run) throws IOException {
        json.writeStartObject();
        json.writeNumberField("id", run.id());
        json.writeStringField("kind", run.kind().sql());
        if (run.batchNo() == null) {
            json.writeNullField("batch");
        } else {
            json.writeNumberField("batch", run.batchNo());
        }
        json.writeStringField("status", run.status().sql());
        json.writeStringField("by", run.osUser() + "@" + run.host());
        json.writeStringField("started_at", String.valueOf(run.startedAt()));
        json.writeStringField("finished_at", run.finishedAt() == null ? null : run.finishedAt().toString());
        json.writeStringField("plan_checksum", run.planChecksum());
        json.writeFieldName("detail");
        writeJson(json, run.detailJson());
        json.writeEndObject();
    }

    private static void writeOutcome(JsonGenerator json, HistoryStore.OutcomeRecord outcome) throws IOException {
        json.writeStartObject();
        json.writeNumberField("run", outcome.run());
        json.writeNumberField("batch", outcome.batch());
        json.writeStringField("user", outcome.user());
        json.writeStringField("outcome", outcome.outcome());
        json.writeNumberField("rows", outcome.rows());
        json.writeStringField("message", outcome.message());
        json.writeStringField("at", String.valueOf(outcome.at()));
        json.writeEndObject();
    }

    private static void writeOverwritten(JsonGenerator json, HistoryStore.OverwrittenRow row) throws IOException {
        json.writeStartObject();
        json.writeNumberField("run", row.run());
        json.writeNumberField("batch", row.batch());
        json.writeStringField("user", row.user());
        json.writeStringField("entity", row.entity());
        json.writeStringField("table", row.table());
        json.writeFieldName("key");
        writeJson(json, row.keyJson());
        json.writeArrayFieldStart("changed_columns");
        for (String column : row.changedColumns()) {
            json.writeString(column);
        }
        json.writeEndArray();
        json.writeBooleanField("deleted_by_app", row.imageJson() == null);
        json.writeFieldName("content_before_rollback");
        writeJson(json, row.imageJson());
        json.writeStringField("saved_at", String.valueOf(row.savedAt()));
        json.writeEndObject();
    }

    private static void writeJson(JsonGenerator json, String text) throws IOException {
        if (text == null) {
            json.writeNull();
            return;
        }
        try {
            Json.MAPPER.writeTree(json, Json.parse(text));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            json.writeString(text);
        }
    }
}
