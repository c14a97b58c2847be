package dev.backfill.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.backfill.control.BatchStore;
import dev.backfill.control.BatchView;
import dev.backfill.control.ControlSchema;
import dev.backfill.control.RunStore;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The run report: batches and their states, every approval with who and when, every run with its
 * timings, and each user's outcome per apply and rollback. Format in src/site/markdown/reports.md.
 */
public final class RunReport {
    public static final int SCHEMA_VERSION = 1;
    public static final String REPORT_NAME = "backfill-runs";

    private final Workspace workspace;

    public RunReport(Workspace workspace) {
        this.workspace = workspace;
    }

    public Path export(Path destination) throws IOException, SQLException {
        ControlSchema control = workspace.control();
        String plan = workspace.plan().name();
        try (Connection connection = workspace.target().getConnection()) {
            return ReportFiles.write(destination, json -> {
                json.writeStartObject();
                json.writeStringField("report", REPORT_NAME);
                json.writeNumberField("schema_version", SCHEMA_VERSION);
                ConflictReport.writePlan(json, workspace.plan());
                json.writeStringField("generated_at", OffsetDateTime.now(ZoneOffset.UTC).toString());
                writeUserCounts(json, connection, control, plan);
                json.writeArrayFieldStart("batches");
                for (BatchView batch : new BatchStore(control, plan).list(connection)) {
                    json.writeStartObject();
                    json.writeNumberField("number", batch.number());
                    json.writeStringField("state", batch.state().name());
                    json.writeNumberField("users", batch.users());
                    json.writeNumberField("users_migrated", batch.usersMigrated());
                    json.writeNumberField("users_failed", batch.usersFailed());
                    json.writeNumberField("users_source_changed", batch.usersSourceChanged());
                    json.writeNumberField("legacy_rows", batch.legacyRows());
                    json.writeNumberField("planned_rows", batch.plannedRows());
                    json.writeNumberField("findings", batch.findings());
                    json.writeEndObject();
                }
                json.writeEndArray();
                writeApprovals(json, connection, control, plan);
                writeRuns(json, connection, control, plan);
                writeOutcomes(json, connection, control, plan);
                json.writeEndObject();
            });
        }
    }

    private static void writeUserCounts(JsonGenerator json, Connection connection, ControlSchema control, String plan)
            throws IOException, SQLException {
        json.writeObjectFieldStart("users_by_status");
        try (PreparedStatement statement = connection.prepareStatement("select status, count(*) from " + control.table("users")
                + " where plan = ? group by status order by status")) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    json.writeNumberField(rows.getString(1), rows.getLong(2));
                }
            }
        }
        json.writeEndObject();
    }

    private static void writeApprovals(JsonGenerator json, Connection connection, ControlSchema control, String plan)
            throws IOException, SQLException {
        json.writeArrayFieldStart("approvals");
        String sql = "select a.approval_id, a.batch_no, a.approved_by, a.approved_host, a.approved_at, a.plan_checksum, a.revoked_at,"
                + " a.revoked_reason, (select count(*) from " + control.table("approval_users") + " u where u.approval_id = a.approval_id)"
                + " from " + control.table("approvals") + " a where a.plan = ? order by a.approval_id";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    json.writeStartObject();
                    json.writeNumberField("id", rows.getLong(1));
                    json.writeNumberField("batch", rows.getInt(2));
                    json.writeStringField("approved_by", rows.getString(3));
                    json.writeStringField("host", rows.getString(4));
                    json.writeStringField("approved_at", String.valueOf(rows.getObject(5, OffsetDateTime.class)));
                    json.writeStringField("plan_checksum", rows.getString(6));
                    OffsetDateTime revoked = rows.getObject(7, OffsetDateTime.class);
                    json.writeStringField("revoked_at", revoked == null ? null : revoked.toString());
                    json.writeStringField("revoked_reason", rows.getString(8));
                    json.writeNumberField("users", rows.getLong(9));
                    json.writeEndObject();
                }
            }
        }
        json.writeEndArray();
    }

    private static void writeRuns(JsonGenerator json, Connection connection, ControlSchema control, String plan)
            throws IOException, SQLException {
        json.writeArrayFieldStart("runs");
        for (RunStore.Run run : new RunStore(control, plan).all(connection)) {
            json.writeStartObject();
            json.writeNumberField("id", run.id());
            json.writeStringField("kind", run.kind());
            if (run.batchNo() == null) {
                json.writeNullField("batch");
            } else {
                json.writeNumberField("batch", run.batchNo());
            }
            json.writeStringField("status", run.status());
            json.writeStringField("by", run.osUser() + "@" + run.host());
            json.writeStringField("started_at", String.valueOf(run.startedAt()));
            json.writeStringField("finished_at", run.finishedAt() == null ? null : run.finishedAt().toString());
            json.writeStringField("plan_checksum", run.planChecksum());
            json.writeFieldName("detail");
            try {
                Json.MAPPER.writeTree(json, Json.parse(run.detailJson()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                json.writeString(run.detailJson());
            }
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    private static void writeOutcomes(JsonGenerator json, Connection connection, ControlSchema control, String plan)
            throws IOException, SQLException {
        json.writeArrayFieldStart("user_outcomes");
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (PreparedStatement statement = connection.prepareStatement("select run_id, batch_no, user_key, outcome, rows, message, at from "
                + control.table("user_outcomes") + " where plan = ? order by at, run_id, user_key collate \"C\"")) {
            statement.setFetchSize(5_000);
            statement.setString(1, plan);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    json.writeStartObject();
                    json.writeNumberField("run", rows.getLong(1));
                    json.writeNumberField("batch", rows.getInt(2));
                    json.writeStringField("user", rows.getString(3));
                    json.writeStringField("outcome", rows.getString(4));
                    json.writeNumberField("rows", rows.getInt(5));
                    json.writeStringField("message", rows.getString(6));
                    json.writeStringField("at", String.valueOf(rows.getObject(7, OffsetDateTime.class)));
                    json.writeEndObject();
                }
            }
        } finally {
            connection.commit();
            connection.setAutoCommit(autoCommit);
        }
        json.writeEndArray();
    }
}
