package dev.backfill.cli;

import dev.backfill.bench.Benchmark;
import dev.backfill.demo.DemoScenario;
import dev.backfill.engine.Apply;
import dev.backfill.demo.DemoScenarios;
import dev.backfill.demo.RecipesScenario;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.mapping.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

@CommandLine.Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the engine on a generated demo at scale, against a plain server-side COPY of the same rows"
                + " into the same target tables, in the same run. Run with -Xmx512m to hold it to the memory goal."},
        footer = ExitCodes.HELP)
final class BenchCommand extends BackfillCommand {

    @CommandLine.Option(names = "--users", defaultValue = "100000", paramLabel = "N", description = "Users (default ${DEFAULT-VALUE}).")
    int users;

    @CommandLine.Option(names = "--scenario", defaultValue = "parts", paramLabel = "NAME",
            description = "Demo to run (default ${DEFAULT-VALUE}), or 'recipes' (half of all rows reference another user's rows)"
                    + " and 'recipes-own' (the same rows, none does): their ratio is the cost of rows that wait.")
    String scenario;

    @CommandLine.Option(names = "--batch-users", defaultValue = "10000", paramLabel = "N",
            description = "Users per batch for the apply part (default ${DEFAULT-VALUE}).")
    int batchUsers;

    @CommandLine.Option(names = "--chunk", defaultValue = "" + Apply.DEFAULT_CHUNK_USERS, paramLabel = "USERS",
            description = "Users committed together during apply (default ${DEFAULT-VALUE}).")
    int chunk;

    @CommandLine.Option(names = "--writers", paramLabel = "N",
            description = "Connections apply writes with at once (default: one per core here, at most 4, as apply's own default).")
    Integer writers;

    @CommandLine.Option(names = "--dir", defaultValue = "bench-data", paramLabel = "FOLDER",
            description = "Scratch folder for the database (default ./${DEFAULT-VALUE}); reused and overwritten.")
    Path dir;

    @CommandLine.Option(names = "--json", paramLabel = "FILE",
            description = "Also write the figures as one JSON object to FILE (for scripts and the README's table).")
    Path json;

    @Override
    protected int execute() throws Exception {
        List<DemoScenario> benchmarked = new ArrayList<>(DemoScenarios.all().stream().filter(s -> !s.referenceCopies().isEmpty()).toList());
        benchmarked.add(RecipesScenario.acrossUsers());
        benchmarked.add(RecipesScenario.ownRowsOnly());
        DemoScenario chosen = benchmarked.stream().filter(s -> s.name().equals(scenario)).findFirst().orElseThrow(() ->
                new InvalidInputException("There is no benchmark named '" + scenario + "'. Choose one of: "
                        + String.join(", ", benchmarked.stream().map(DemoScenario::name).toList()) + "."));
        Benchmark.Report report = new Benchmark(chosen, dir, err(), writers == null ? Apply.DEFAULT_WRITERS : writers).run(users, batchUsers, chunk, new ConsoleProgress(err()));
        report.print(out());
        if (json != null) {
            Files.writeString(json, Json.write(report.toJson()) + System.lineSeparator(), StandardCharsets.UTF_8);
            out().printf("Wrote the figures to %s%n", json);
        }
        return ExitCodes.OK;
    }
}
