package dev.backfill.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which folders the embedded PostgreSQL may use as its data folder. Starting it on a folder that is not
 * a PostgreSQL data folder runs initdb there, so a plan or a {@code --dir} must never point it at a
 * folder that holds anything else (a path like {@code ../../../../etc} once did).
 */
public final class EmbeddedDataFolder {

    private EmbeddedDataFolder() {}

    /**
     * Empty when the folder may be used: it does not exist yet, is empty, or is a PostgreSQL data folder
     * (it has {@code PG_VERSION}). Otherwise what is wrong with it, in a sentence naming the folder.
     */
    public static Optional<String> problem(Path folder) {
        Path dir = folder.toAbsolutePath().normalize();
        if (!Files.exists(dir)) {
            return Optional.empty();
        }
        if (!Files.isDirectory(dir)) {
            return Optional.of(dir + " is a file, not a folder");
        }
        if (Files.isRegularFile(dir.resolve("PG_VERSION"))) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) {
                return Optional.empty();
            }
        } catch (IOException e) {
            return Optional.of(dir + " cannot be read (" + e.getMessage() + ")");
        }
        return Optional.of(dir + " is neither a PostgreSQL data folder (it has no PG_VERSION) nor empty;"
                + " the embedded server would create a database cluster in it");
    }
}
