package dev.backfill.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.backfill.errors.FailedException;
import dev.backfill.mapping.Json;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a report to a temporary file next to its destination, then moves it into place: a crash never leaves half a report. */
final class ReportFiles {

    @FunctionalInterface
    interface Body {
        void write(JsonGenerator json) throws IOException, java.sql.SQLException;
    }

    private ReportFiles() {}

    static Path write(Path destination, Body body) throws IOException, java.sql.SQLException {
        Path target = destination.toAbsolutePath();
        Path folder = target.getParent();
        Path temporary;
        try {
            Files.createDirectories(folder);
            temporary = Files.createTempFile(folder, "." + target.getFileName(), ".part");
        } catch (IOException | SecurityException e) {
            throw new FailedException("Cannot write the report to " + target + ": " + (Files.isDirectory(folder)
                    ? "the folder " + folder + " is not writable" : "the folder " + folder + " cannot be created")
                    + ". Nothing was written; choose a place you can write to with --out.", e);
        }
        try {
            try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(temporary.toFile(), JsonEncoding.UTF8)) {
                json.useDefaultPrettyPrinter();
                body.write(json);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
