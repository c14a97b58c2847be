package dev.backfill.cli;

import dev.backfill.db.Secrets;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** The plan file argument every plan command takes, and the workspace opened from it. */
final class PlanOption {

    @CommandLine.Parameters(index = "0", paramLabel = "PLAN", description = "The plan file (YAML).")
    Path file;

    Plan load() throws IOException, InvalidPlanException {
        if (!Files.exists(file)) {
            throw new InvalidInputException("Plan file " + file.toAbsolutePath() + " does not exist. Give the path to a plan YAML file"
                    + " (the demo writes one: 'backfill demo').");
        }
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file.toAbsolutePath() + " is a folder, not a plan file. Give the path to the plan's YAML file"
                    + " inside it.");
        }
        return PlanLoader.load(file);
    }

    Workspace open() throws IOException, InvalidPlanException {
        return Workspace.open(load(), new Secrets());
    }
}
