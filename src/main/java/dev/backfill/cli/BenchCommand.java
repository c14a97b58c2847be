package dev.backfill.cli;

import dev.backfill.bench.Benchmark;
import dev.backfill.demo.DemoScenario;
import dev.backfill.demo.DemoScenarios;
import java.nio.file.Path;
import picocli.CommandLine;

@CommandLine.Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure the engine on a generated demo at scale, against a plain server-side COPY of the same rows",
                "into the same target tables, in the same run. Run with -Xmx512m to hold it to the memory goal."},
        footer = ExitCodes.HELP)
final class BenchCommand extends BackfillCommand {

    @CommandLine.Option(names = "--users", defaultValue = "100000", paramLabel = "N", description = "Users (default ${DEFAULT-VALUE}).")
    int users;

    @CommandLine.Option(names = "--scenario", defaultValue = "parts", paramLabel = "NAME", description = "Demo to run (default ${DEFAULT-VALUE}).")
    String scenario;

    @CommandLine.Option(names = "--batch-users", defaultValue = "10000", paramLabel = "N",
            description = "Users per batch for the apply part (default ${DEFAULT-VALUE}).")
    int batchUsers;

    @CommandLine.Option(names = "--chunk", defaultValue = "500", paramLabel = "USERS",
            description = "Users committed together during apply (default ${DEFAULT-VALUE}).")
    int chunk;

    @CommandLine.Option(names = "--dir", defaultValue = "bench-data", paramLabel = "FOLDER",
            description = "Scratch folder for the database (default ./${DEFAULT-VALUE}); reused and overwritten.")
    Path dir;

    @Override
    protected int execute() throws Exception {
        DemoScenario chosen = DemoScenarios.named(scenario).orElseThrow(() -> new dev.backfill.errors.InvalidInputException(
                "There is no demo named '" + scenario + "'. Choose one of: " + String.join(", ", DemoScenarios.names())));
        if (chosen.referenceCopies().isEmpty()) {
            throw new dev.backfill.errors.InvalidInputException("Demo '" + scenario + "' has no benchmark reference; use --scenario parts");
        }
        Benchmark.Report report = new Benchmark(chosen, dir, err()).run(users, batchUsers, chunk, new ConsoleProgress(err()));
        report.print(out());
        return ExitCodes.OK;
    }
}
