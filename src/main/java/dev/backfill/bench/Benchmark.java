package dev.backfill.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.UserView;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenario;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.ProgressListener;
import dev.backfill.engine.Workspace;
import dev.backfill.errors.InvalidInputException;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.mapping.Json;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
     * @param smallBefore 100-user batches approved and applied before the bulk apply (an almost empty ledger)
     * @param smallAfter  the same after the bulk apply and a rollback (a full ledger): a batch must cost the same
     */
    public record Report(String scenario, int users, long legacyRows, double generateSeconds, ReferenceCopyRun.Result reference,
                         DryRunRun.Result coldDryRun, DryRunRun.Result warmDryRun, long dryRunPeakHeap, ApplyRun.Result apply, int batchUsers,
                         int chunkUsers, int writers, long maxHeap, SmallBatches.Result smallBefore, SmallBatches.Result smallAfter,
                         RollbackRun.Result rollback, double loadBefore, double loadAfter) {

        public void print(PrintWriter out) {
            out.printf("Benchmark '%s': %,d users, %,d legacy rows (generated in %.1f s); %d cores, load average %.2f before, %.2f after%n",
                    scenario, users, legacyRows, generateSeconds, Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
            out.printf("  reference COPY (server-side, same rows, same target tables): export %.2f s + import %.2f s = %.2f s"
                            + " -> %,.0f rows/s (import alone %,.0f rows/s)%n", reference.exportSeconds(), reference.importSeconds(),
                    reference.totalSeconds(), reference.rowsPerSecond(), reference.importRowsPerSecond());
            line(out, "dry run, cold JVM", coldDryRun);
            line(out, "dry run, warm JVM", warmDryRun);
            out.printf("  dry run heap: at most %,d MB in use after a GC, in a %,d MB heap; goal <= 512 MB%n",
                    dryRunPeakHeap >> 20, maxHeap >> 20);
            out.printf("  apply (%d batches of %,d users, %d users per commit, %d writer(s)): %,d users, %d failed, %,d rows in %.2f s"
                            + " -> %,.0f rows/s = %.2fx the COPY rate (%.2fx the import-only rate); goal >= 1.0x%n", apply.batches(),
                    batchUsers, chunkUsers, writers, apply.users(), apply.failed(), apply.rows(), apply.seconds(), apply.rowsPerSecond(),
                    applyRatio(), apply.rowsPerSecond() / reference.importRowsPerSecond());
            if (apply.released() > 0) {
                out.printf("    of those rows, %,d referenced another user's row and waited for its batch (written by that batch's apply)%n",
                        apply.released());
            }
            double millions = millions(apply.rows());
            out.printf("    CPU per million rows: this JVM %.1f s (%s; GC pauses %.1f s), PostgreSQL %s; goal <= 15 / <= 30%n",
                    jvmCpuPerMillionRows(), Double.isNaN(apply.cost().compilerCpuSeconds()) ? "no /proc: threads not measured"
                            : String.format("JIT compiler threads %.1f s, GC threads %.1f s", apply.cost().compilerCpuSeconds() / millions,
                            apply.cost().gcCpuSeconds() / millions), apply.cost().gcPauseSeconds() / millions,
                    Double.isNaN(pgCpuPerMillionRows()) ? "not measured (no /proc)" : String.format("%.1f s", pgCpuPerMillionRows()));
            out.printf("    allocated in this JVM: %s%n", allocated(applyAllocatedKbPerRow(), "row"));
            out.printf("  a %d-user batch, approve + apply in this process: median %.0f ms (%.0f rows each) with an almost empty ledger,"
                            + " %.0f ms after the bulk apply; goal < 1000 ms, the same both times%n", smallBefore.usersPerBatch(),
                    smallBefore.medianMillis(), smallBefore.rowsPerBatch(), smallAfter.medianMillis());
            out.printf("  parity over every migrated user: %s, %.2f s for %,d target rows -> %.2f s per million rows; goal <= 2 s%n",
                    apply.parity().overall(), apply.parity().seconds(), apply.targetRows(), apply.paritySecondsPerMillionRows());
            out.printf("    (the first after apply); again at once, as a refresh: %.2f s -> %.2f s per million rows%n",
                    apply.parityAgain().seconds(), apply.parityAgainSecondsPerMillionRows());
            out.printf("  rollback of batch %d: %,d rows in %.2f s -> %,.0f rows/s = %.2fx the apply rate; goal >= 1x%n", rollback.batch(),
                    rollback.rows(), rollback.seconds(), rollback.rowsPerSecond(), rollback.rowsPerSecond() / apply.rowsPerSecond());
            out.printf("  apply + parity heap: at most %,d MB in use after a GC, in a %,d MB heap; goal <= 512 MB%n", apply.peakHeap() >> 20, maxHeap >> 20);
        }

        private void line(PrintWriter out, String label, DryRunRun.Result run) {
            out.printf("  %s: %.2f s -> %,.0f legacy rows/s = %.2fx the COPY rate (%.2fx the import-only rate); goal >= 3x cold%n",
                    label, run.run().seconds(), run.legacyRowsPerSecond(), run.legacyRowsPerSecond() / reference.rowsPerSecond(),
                    run.legacyRowsPerSecond() / reference.importRowsPerSecond());
            out.printf("    CPU per million legacy rows: this JVM %.1f s (%s), PostgreSQL %s%n", run.jvmCpuPerMillionRows(),
                    Double.isNaN(run.compilerCpuPerMillionRows()) ? "no /proc: threads not measured"
                            : String.format("JIT compiler threads %.1f s, GC threads %.1f s", run.compilerCpuPerMillionRows(),
                            run.gcCpuPerMillionRows()),
                    Double.isNaN(run.postgresCpuPerMillionRows()) ? "not measured (no /proc)"
                            : String.format("%.1f s", run.postgresCpuPerMillionRows()));
            out.printf("    allocated in this JVM: %s%n", allocated(run.allocatedKbPerRow(), "legacy row"));
        }

        /** What the collector has to clear, per row: it hardly varies with the machine's load, unlike CPU. */
        private static String allocated(double kbPerRow, String row) {
            return Double.isNaN(kbPerRow) ? "not counted by this JVM" : String.format("%.1f kB per %s", kbPerRow, row);
        }

        double applyAllocatedKbPerRow() {
            return apply.cost().allocatedBytes() / 1e3 / Math.max(apply.rows(), 1);
        }

        double applyRatio() {
            return apply.rowsPerSecond() / reference.rowsPerSecond();
        }

        double jvmCpuPerMillionRows() {
            return apply.cost().processCpuSeconds() / millions(apply.rows());
        }

        double pgCpuPerMillionRows() {
            return apply.postgresCpuSeconds() / millions(apply.rows());
        }

        private static double millions(long rows) {
            return Math.max(rows, 1) / 1e6;
        }

        /** The same figures as one JSON object, for scripts and for the README's table. */
        public ObjectNode toJson() {
            ObjectNode json = Json.NODES.objectNode();
            json.put("scenario", scenario).put("users", users).put("legacy_rows", legacyRows)
                    .put("cores", Runtime.getRuntime().availableProcessors()).put("load_average_before", round(loadBefore, 2))
                    .put("load_average_after", round(loadAfter, 2))
                    .put("copy_rows_per_s", Math.round(reference.rowsPerSecond()))
                    .put("dry_run_cold_ratio", round(coldDryRun.legacyRowsPerSecond() / reference.rowsPerSecond(), 3))
                    .put("dry_run_warm_ratio", round(warmDryRun.legacyRowsPerSecond() / reference.rowsPerSecond(), 3))
                    .put("apply_ratio", round(applyRatio(), 3)).put("apply_rows_per_s", Math.round(apply.rowsPerSecond()))
                    .put("apply_batch_users", batchUsers).put("apply_chunk_users", chunkUsers)
                    .put("parity_s_per_million_rows", round(apply.paritySecondsPerMillionRows(), 3))
                    .put("parity_again_s_per_million_rows", round(apply.parityAgainSecondsPerMillionRows(), 3))
                    .put("rollback_rows_per_s", Math.round(rollback.rowsPerSecond())).put("rollback_rows", rollback.rows())
                    .put("heap_max_mb", Math.max(dryRunPeakHeap, apply.peakHeap()) >> 20).put("heap_limit_mb", maxHeap >> 20)
                    .put("batch_fixed_ms", Math.round(smallBefore.medianMillis()))
                    .put("batch_fixed_ms_after_bulk", Math.round(smallAfter.medianMillis()))
                    .put("batch_fixed_rows", Math.round(smallBefore.rowsPerBatch()))
                    .put("jvm_cpu_s_per_million_rows", round(jvmCpuPerMillionRows(), 2))
                    .put("workers", writers);
            putOrNull(json, "jvm_compiler_cpu_s_per_million_rows", apply.cost().compilerCpuSeconds() / millions(apply.rows()));
            putOrNull(json, "dry_run_cold_jvm_cpu_s_per_million_legacy_rows", coldDryRun.jvmCpuPerMillionRows());
            putOrNull(json, "dry_run_cold_pg_cpu_s_per_million_legacy_rows", coldDryRun.postgresCpuPerMillionRows());
            putOrNull(json, "dry_run_warm_jvm_cpu_s_per_million_legacy_rows", warmDryRun.jvmCpuPerMillionRows());
            putOrNull(json, "dry_run_warm_pg_cpu_s_per_million_legacy_rows", warmDryRun.postgresCpuPerMillionRows());
            putOrNull(json, "jvm_gc_cpu_s_per_million_rows", apply.cost().gcCpuSeconds() / millions(apply.rows()));
            putOrNull(json, "jvm_allocated_kb_per_row", applyAllocatedKbPerRow());
            putOrNull(json, "dry_run_cold_allocated_kb_per_legacy_row", coldDryRun.allocatedKbPerRow());
            putOrNull(json, "dry_run_warm_allocated_kb_per_legacy_row", warmDryRun.allocatedKbPerRow());
            if (Double.isNaN(pgCpuPerMillionRows())) {
                json.putNull("pg_cpu_s_per_million_rows");
            } else {
                json.put("pg_cpu_s_per_million_rows", round(pgCpuPerMillionRows(), 2));
            }
            return json;
        }

        /** A figure this machine could not measure is null: NaN is not JSON. */
        private static void putOrNull(ObjectNode json, String name, double value) {
            if (Double.isNaN(value)) {
                json.putNull(name);
            } else {
                json.put(name, round(value, 2));
            }
        }

        private static double round(double value, int digits) {
            double scale = Math.pow(10, digits);
            return Math.round(value * scale) / scale;
        }
    }

    /** Writers of the apply part, reported as {@code workers}; one process (a worker process adds its own). */
    private final int writers;

    /** Users of the batches timed for their fixed cost: a batch an operator reviews, not a bench-sized one. */
    static final int SMALL_BATCH_USERS = 100;
    static final int SMALL_BATCHES = 5;

    private static final Pattern BATCH_SIZE = Pattern.compile("batch: \\{ users: \\d+ }");

    private final DemoScenario scenario;
    private final Path folder;
    private final PrintWriter log;

    public Benchmark(DemoScenario scenario, Path folder, PrintWriter log, int writers) {
        this.writers = writers;
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
            PostgresCpu server = PostgresCpu.of(environment.dataDir());
            DryRunRun.Result cold = DryRunRun.run(workspace, progress, server);
            log.println("Dry run again (warm JVM) ...");
            log.flush();
            DryRunRun.Result warm = DryRunRun.run(workspace, progress, server);
            long peak = HeapWatch.peakBytes();
            List<String> reserved = reservedUsers(workspace);
            log.printf("Approve and apply %d batches of %d users, one at a time ...%n", SMALL_BATCHES, SMALL_BATCH_USERS);
            log.flush();
            SmallBatches.Result before = SmallBatches.run(workspace, reserved, SMALL_BATCHES,
                    SMALL_BATCH_USERS, chunkUsers, writers);
            log.println("Approve every batch and apply them, then parity ...");
            log.flush();
            double loadBefore = loadAverage();
            ApplyRun.Result apply = ApplyRun.run(workspace, chunkUsers, writers, ApplyListener.progressOnly(progress), server);
            int last = apply.lastBatch();
            log.printf("Roll back batch %d ...%n", last);
            log.flush();
            RollbackRun.Result rollback = RollbackRun.run(workspace, last, progress);
            log.printf("Approve and apply %d batches of %d users again, after the bulk apply ...%n", SMALL_BATCHES, SMALL_BATCH_USERS);
            log.flush();
            List<String> rolledBack = workspace.control().users().ofBatch(last).stream().map(UserView::user).toList();
            SmallBatches.Result after = SmallBatches.run(workspace, rolledBack, SMALL_BATCHES, SMALL_BATCH_USERS, chunkUsers, writers);
            return new Report(scenario.name(), users, cold.run().legacyRows(), generate, reference, cold, warm, peak, apply, batchUsers,
                    chunkUsers, writers, HeapWatch.maxBytes(), before, after, rollback, loadBefore, loadAverage());
        }
    }

    /** Users of the last batch, set aside for the small batches (taking them out leaves the bulk batches as they are). */
    private static List<String> reservedUsers(Workspace workspace) throws java.sql.SQLException {
        List<BatchView> batches = workspace.control().queue().batches();
        int last = batches.stream().mapToInt(BatchView::number).max().orElseThrow();
        List<String> users = workspace.control().users().ofBatch(last).stream().map(UserView::user).toList();
        return users.subList(0, Math.min(users.size(), SMALL_BATCHES * SMALL_BATCH_USERS));
    }

    /** The 1-minute load average of the machine (the bench shares it), or NaN where the JVM cannot tell. */
    private static double loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? Double.NaN : load;
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
