package dev.backfill.bench;

import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenario;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs a demo at scale and measures the engine against the machine's own limit in the same run:
 * the reference is a plain server-side COPY of the same legacy rows into the same target tables.
 */
public final class Benchmark {

    /**
     * @param coldDryRun the first dry run in this JVM (includes the JIT compiling the engine)
     * @param warmDryRun the same dry run again in the same JVM, as the long-lived workbench runs it
     */
    public record Report(int users, long legacyRows, double generateSeconds, ReferenceCopyRun.Result reference,
                         DryRun.Result coldDryRun, DryRun.Result warmDryRun, long dryRunPeakHeap, ApplyRun.Result apply, int batchUsers,
                         int chunkUsers, long maxHeap) {

        public void print(PrintWriter out) {
            out.printf("Benchmark: %,d users, %,d legacy rows (generated in %.1f s)%n", users, legacyRows, generateSeconds);
            out.printf("  reference COPY (server-side, same rows, same target tables): export %.2f s + import %.2f s = %.2f s"
                            + " -> %,.0f rows/s (import alone %,.0f rows/s)%n", reference.exportSeconds(), reference.importSeconds(),
                    reference.totalSeconds(), reference.rowsPerSecond(), reference.importRowsPerSecond());
            line(out, "dry run, cold JVM", coldDryRun);
            line(out, "dry run, warm JVM", warmDryRun);
            out.printf("  dry run heap: at most %,d MB in use after a GC, in a %,d MB heap; goal <= 512 MB%n",
                    dryRunPeakHeap >> 20, maxHeap >> 20);
            out.printf("  apply (%d batches of %,d users, %d users per commit): %,d users, %d failed, %,d rows in %.2f s -> %,.0f rows/s"
                            + " = %.2fx the COPY rate (%.2fx the import-only rate); goal >= 0.7x%n", apply.batches(), batchUsers, chunkUsers,
                    apply.users(), apply.failed(), apply.rows(), apply.seconds(), apply.rowsPerSecond(),
                    apply.rowsPerSecond() / reference.rowsPerSecond(), apply.rowsPerSecond() / reference.importRowsPerSecond());
            if (apply.released() > 0) {
                out.printf("    of those rows, %,d referenced another user's row and waited for its batch (written by that batch's apply)%n",
                        apply.released());
            }
            out.printf("    this JVM during apply: %.1f CPU-s, of which JIT compiling %.1f s and GC pauses %.1f s (PostgreSQL's CPU comes on top)%n",
                    apply.cost().processCpuSeconds(), apply.cost().compileSeconds(), apply.cost().gcPauseSeconds());
            out.printf("  parity over every migrated user: %s, %.2f s for %,d target rows -> %.2f s per million rows; goal <= 5 s%n",
                    apply.parity().overall(), apply.parity().seconds(), apply.targetRows(), apply.paritySecondsPerMillionRows());
            out.printf("  apply + parity heap: at most %,d MB in use after a GC, in a %,d MB heap; goal <= 512 MB%n", apply.peakHeap() >> 20, maxHeap >> 20);
        }

        private void line(PrintWriter out, String label, DryRun.Result run) {
            out.printf("  %s: %.2f s -> %,.0f legacy rows/s = %.2fx the COPY rate (%.2fx the import-only rate); goal >= 2x%n",
                    label, run.seconds(), run.legacyRowsPerSecond(), run.legacyRowsPerSecond() / reference.rowsPerSecond(),
                    run.legacyRowsPerSecond() / reference.importRowsPerSecond());
        }
    }

    private static final Pattern BATCH_SIZE = Pattern.compile("batch: \\{ users: \\d+ }");

    private final DemoScenario scenario;
    private final Path folder;
    private final PrintWriter log;

    public Benchmark(DemoScenario scenario, Path folder, PrintWriter log) {
        this.scenario = scenario;
        this.folder = folder;
        this.log = log;
    }

    public Report run(int users, int batchUsers, int chunkUsers, ProgressListener progress) throws Exception {
        DemoEnvironment environment = new DemoEnvironment(folder);
        log.printf("Generating %,d users of demo '%s' in %s ...%n", users, scenario.name(), folder);
        log.flush();
        long start = System.nanoTime();
        Path planFile = scenario.create(environment, users);
        double generate = (System.nanoTime() - start) / 1e9;
        Plan plan = PlanLoader.load(withBatchSize(planFile, batchUsers));
        log.println("Reference: server-side COPY of the same rows into an empty copy of the target schema ...");
        log.flush();
        ReferenceCopyRun.Result reference = ReferenceCopyRun.run(environment, scenario, folder.resolve("scratch"));
        try (Workspace workspace = Workspace.open(plan, new Secrets(Map.of()))) {
            log.println("Dry run (cold JVM) ...");
            log.flush();
            HeapWatch.reset();
            DryRun.Result cold = new DryRun(workspace).run(DryRun.Options.all(), progress, new Cancellation());
            log.println("Dry run again (warm JVM) ...");
            log.flush();
            DryRun.Result warm = new DryRun(workspace).run(DryRun.Options.all(), progress, new Cancellation());
            long peak = HeapWatch.peakBytes();
            log.println("Approve every batch and apply them, then parity ...");
            log.flush();
            ApplyRun.Result apply = ApplyRun.run(workspace, chunkUsers, ApplyListener.progressOnly(progress));
            return new Report(users, cold.legacyRows(), generate, reference, cold, warm, peak, apply, batchUsers, chunkUsers,
                    HeapWatch.maxBytes());
        }
    }

    /** A copy of the plan beside it whose batches hold {@code users} users (a queue of 10-user batches is a review size, not a bench size). */
    private static Path withBatchSize(Path planFile, int users) throws IOException {
        String text = Files.readString(planFile, StandardCharsets.UTF_8);
        String resized = BATCH_SIZE.matcher(text).replaceFirst("batch: { users: " + users + " }");
        if (resized.equals(text) && !text.contains("batch: { users: " + users + " }")) {
            throw new InvalidInputException("The demo plan " + planFile + " has no 'batch: { users: N }' line to resize");
        }
        Path copy = planFile.resolveSibling("bench.plan.yaml");
        Files.writeString(copy, resized, StandardCharsets.UTF_8);
        return copy;
    }
}
