package dev.backfill.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server gets a new, empty or PostgreSQL data folder, never one that holds anything else. */
class EmbeddedDataFolderTest {
    @TempDir
    Path temp;

    @Test
    void aNewAnEmptyAndAPostgresDataFolderAreAccepted() throws Exception {
        Path empty = Files.createDirectory(temp.resolve("empty"));
        Path data = Files.createDirectory(temp.resolve("pg"));
        Files.writeString(data.resolve("PG_VERSION"), "18\n");
        Files.createDirectory(data.resolve("base"));

        assertThat(EmbeddedDataFolder.problem(temp.resolve("new/pg"))).isEmpty();
        assertThat(EmbeddedDataFolder.problem(empty)).isEmpty();
        assertThat(EmbeddedDataFolder.problem(data)).isEmpty();
    }

    @Test
    void aFolderHoldingOtherFilesIsRefusedByName() throws Exception {
        Files.writeString(temp.resolve("passwd"), "root:x:0:0\n");

        assertThat(EmbeddedDataFolder.problem(temp)).hasValue(temp.toAbsolutePath()
                + " is neither a PostgreSQL data folder (it has no PG_VERSION) nor empty;"
                + " the embedded server would create a database cluster in it");
    }

    @Test
    void aFileIsRefused() throws Exception {
        Path file = Files.writeString(temp.resolve("plan.yaml"), "version: 1\n");

        assertThat(EmbeddedDataFolder.problem(file)).hasValue(file + " is a file, not a folder");
    }
}
