package dev.backfill.cli;

import dev.backfill.engine.Apply;
import picocli.CommandLine;

/** How many connections of this process write at once, and how long a claim on a chunk outlives its writer's heartbeat. */
final class WriterOptions {

    @CommandLine.Option(names = "--writers", paramLabel = "N",
            description = "Chunks this process writes at once, each on its own connection (default: one per core of this machine,"
                    + " at most 4).")
    Integer writers;

    @CommandLine.Option(names = "--lease", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long a writer's claim on a chunk lasts without its heartbeat before another writer takes the chunk"
                    + " over (default ${DEFAULT-VALUE}).")
    double leaseSeconds;

    int writers() {
        return writers == null ? Apply.DEFAULT_WRITERS : writers;
    }
}
