package dev.backfill.report;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.backfill.engine.Workspace;
import dev.backfill.parity.CheckParity;
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.ParityReport;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** The parity report as JSON (format in src/site/markdown/reports.md), the same numbers the parity view shows. */
public final class ParityExport {
    public static final int SCHEMA_VERSION = 1;
    public static final String REPORT_NAME = "backfill-parity";

    private final Workspace workspace;

    public ParityExport(Workspace workspace) {
        this.workspace = workspace;
    }

    public Path export(Path destination, ParityReport parity) throws IOException, SQLException {
        return ReportFiles.write(destination, json -> {
            json.writeStartObject();
            json.writeStringField("report", REPORT_NAME);
            json.writeNumberField("schema_version", SCHEMA_VERSION);
            ConflictReport.writePlan(json, workspace.plan());
            json.writeStringField("generated_at", OffsetDateTime.now(ZoneOffset.UTC).toString());
            json.writeStringField("computed_at", parity.at().toString());
            json.writeNumberField("seconds", parity.seconds());
            json.writeStringField("overall", parity.overall().name());
            json.writeObjectFieldStart("users");
            json.writeNumberField("total", parity.users().total());
            json.writeNumberField("migrated", parity.users().migrated());
            json.writeNumberField("pending", parity.users().pending());
            json.writeNumberField("approved", parity.users().approved());
            json.writeNumberField("failed", parity.users().failed());
            json.writeNumberField("source_changed", parity.users().sourceChanged());
            json.writeNumberField("target_changed", parity.users().targetChanged());
            json.writeEndObject();
            json.writeArrayFieldStart("entities");
            for (EntityParity entity : parity.entities()) {
                writeEntity(json, entity);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("checks");
            for (CheckParity check : parity.checks()) {
                writeCheck(json, check);
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    private static void writeEntity(JsonGenerator json, EntityParity entity) throws IOException {
        json.writeStartObject();
        json.writeStringField("entity", entity.entity());
        json.writeStringField("table", entity.table());
        json.writeStringField("status", entity.status().name());
        json.writeNumberField("legacy_rows", entity.legacyRows());
        json.writeNumberField("planned_rows", entity.plannedRows());
        json.writeNumberField("migrated_legacy_rows", entity.migratedLegacyRows());
        json.writeNumberField("migrated_planned_rows", entity.migratedPlannedRows());
        json.writeNumberField("written_rows", entity.writtenRows());
        json.writeNumberField("target_rows", entity.targetRows());
        json.writeNumberField("waiting_rows", entity.waitingRows());
        json.writeNumberField("users_checked", entity.usersChecked());
        json.writeNumberField("users_mismatched", entity.usersMismatched());
        json.writeArrayFieldStart("mismatched_users_sample");
        for (String user : entity.mismatchedSample()) {
            json.writeString(user);
        }
        json.writeEndArray();
        json.writeNumberField("duplicate_keys", entity.duplicateKeys());
        json.writeEndObject();
    }

    private static void writeCheck(JsonGenerator json, CheckParity check) throws IOException {
        json.writeStartObject();
        json.writeStringField("name", check.name());
        json.writeStringField("kind", check.kind().name());
        json.writeStringField("status", check.status().name());
        writeNumber(json, "expected", check.expected());
        writeNumber(json, "actual", check.actual());
        writeNumber(json, "tolerance", check.tolerance());
        json.writeStringField("detail", check.detail());
        json.writeEndObject();
    }

    private static void writeNumber(JsonGenerator json, String field, BigDecimal value) throws IOException {
        if (value == null) {
            json.writeNullField(field);
        } else {
            json.writeNumberField(field, value);
        }
    }
}
