package dev.backfill.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.cli.ExitCodes;
import dev.backfill.db.EmbeddedServers;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.mapping.Json;
import dev.backfill.testing.InProcessCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backfill bench} at a small size: every figure it owes is in its JSON and in its text, measured, not left out. */
class BenchCommandIT {

    @TempDir
    Path folder;

    /** The bench's own server, stopped before its folder is deleted (else it outlives the test JVM, its folder gone). */
    @AfterEach
    void stopTheBenchServer() {
        EmbeddedServers.stop(new DemoEnvironment(folder.resolve("data")).dataDir());
    }

    @Test
    void theJsonHoldsEveryFigureAndTheTextSaysTheSame() throws Exception {
        Path json = folder.resolve("bench.json");
        InProcessCli.Result bench = InProcessCli.run("bench", "--users", "1000", "--batch-users", "500", "--dir",
                folder.resolve("data").toString(), "--json", json.toString());
        assertThat(bench.exit()).as(bench.printed()).isEqualTo(ExitCodes.OK);

        JsonNode figures = Json.parse(Files.readString(json));
        List<String> positive = List.of("copy_rows_per_s", "dry_run_cold_ratio", "dry_run_warm_ratio", "apply_ratio", "apply_rows_per_s",
                "parity_s_per_million_rows", "parity_again_s_per_million_rows", "rollback_rows_per_s", "heap_max_mb", "batch_fixed_ms", "jvm_cpu_s_per_million_rows",
                "pg_cpu_s_per_million_rows", "workers", "dry_run_cold_jvm_cpu_s_per_million_legacy_rows",
                "dry_run_cold_pg_cpu_s_per_million_legacy_rows", "dry_run_warm_jvm_cpu_s_per_million_legacy_rows",
                "dry_run_warm_pg_cpu_s_per_million_legacy_rows", "jvm_allocated_kb_per_row", "dry_run_cold_allocated_kb_per_legacy_row",
                "dry_run_warm_allocated_kb_per_legacy_row");
        // this suite runs on Linux, where the server's and the threads' CPU can be read: none may be null
        assertThat(positive).allSatisfy(name -> assertThat(figures.path(name).isNumber()).as(name + " in " + figures).isTrue())
                .allSatisfy(name -> assertThat(figures.path(name).asDouble()).as(name).isPositive());
        assertThat(figures.path("legacy_rows").asLong()).isEqualTo(10_001);
        assertThat(figures.path("users").asInt()).isEqualTo(1000);

        assertThat(bench.out()).contains("dry run, cold JVM: ").contains("dry run, warm JVM: ")
                .contains("CPU per million legacy rows: this JVM ").contains("CPU per million rows: this JVM ")
                .contains(String.format("%,d rows/s", figures.path("apply_rows_per_s").asLong()))
                .contains(String.format("allocated in this JVM: %.1f kB per row", figures.path("jvm_allocated_kb_per_row").asDouble()))
                .contains("kB per legacy row")
                .contains("load average");
    }
}
