package dev.backfill.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.backfill.report.BuildInfo;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/backfill} writes a class data sharing archive next to the jar on a command's first run and
 * starts from it on the next, without a word from the JVM about it, and a stale or broken archive never
 * costs more than the speed. Runs a copy of the script beside a copy of the packaged jar, in a folder of its own.
 */
class LauncherScriptIT {
    private static final Path HOME = Path.of("target", "launcher-script-it").toAbsolutePath();
    private static final String VERSION = "Backfill Workbench " + BuildInfo.current().describe();

    private Path jar;

    @BeforeEach
    void aCheckoutOfItsOwn() throws IOException {
        assumeTrue(new File("/bin/bash").canExecute(), "bin/backfill is a bash script");
        deleteRecursively(HOME);
        Files.createDirectories(HOME.resolve("bin"));
        Files.createDirectories(HOME.resolve("target"));
        Files.copy(Path.of("bin", "backfill"), HOME.resolve("bin").resolve("backfill"));
        Path built = runnableJar();
        jar = HOME.resolve("target").resolve(built.getFileName());
        Files.copy(built, jar); // a copy: one test changes its time
    }

    @Test
    void theFirstRunWritesTheArchiveAndTheSecondStartsFromItSilently() throws Exception {
        Run first = run(Map.of(), "--version");

        assertThat(first.out()).isEqualTo(VERSION);
        assertThat(first.err()).isEmpty();
        assertThat(archives()).singleElement().asString().endsWith("-main.jsa");

        Path classLog = HOME.resolve("classes.log");
        Run second = run(Map.of("BACKFILL_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog), "--version");

        assertThat(second.out()).isEqualTo(VERSION);
        assertThat(second.err()).isEmpty();
        assertThat(Files.readString(classLog)).contains("dev.backfill.Launcher source: shared objects file (top)");
    }

    @Test
    void aBrokenArchiveCostsOnlyTheSpeed() throws Exception {
        run(Map.of(), "--version");
        Path archive = archives().get(0);
        Files.writeString(archive, "not an archive");

        Run run = run(Map.of(), "--version");

        assertThat(run.out()).isEqualTo(VERSION);
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aRebuiltJarGetsANewArchiveAndTheOldOneGoes() throws Exception {
        run(Map.of(), "--version");
        Path before = archives().get(0);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));

        Run run = run(Map.of(), "--version");

        assertThat(run.out()).isEqualTo(VERSION);
        assertThat(run.err()).isEmpty();
        assertThat(archives()).singleElement().isNotEqualTo(before);
    }

    @Test
    void shortCommandsRunWithC1OnlyAndLongOnesWithTheDefaultCompilers() throws Exception {
        assertThat(tieredStopAtLevel("batches", "--help")).isEqualTo("1");
        assertThat(tieredStopAtLevel("apply", "--help")).as("apply of one batch").isEqualTo("1");
        assertThat(tieredStopAtLevel("apply", "--all", "--help")).isEqualTo("4");
        assertThat(tieredStopAtLevel("dry-run", "--help")).isEqualTo("4");
        assertThat(tieredStopAtLevel("worker", "--help")).as("a worker runs until the batches are done").isEqualTo("4");
    }

    @Test
    void longBatchCommandsRunWithTheThroughputCollectorAndTheWorkbenchWithTheDefault() throws Exception {
        assertThat(flag("UseParallelGC", "apply", "--all", "--help")).isEqualTo("true");
        assertThat(flag("UseParallelGC", "worker", "--help")).isEqualTo("true");
        assertThat(flag("UseParallelGC", "bench", "--help")).isEqualTo("true");
        assertThat(flag("UseParallelGC", "apply", "--help")).as("apply of one batch").isEqualTo("false");
    }

    @Test
    void aFailingFirstRunKeepsItsExitCode() throws Exception {
        Process process = start(Map.of(), "no-such-command");

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(archives()).noneMatch(archive -> archive.toString().contains(".tmp."));
    }

    private static String tieredStopAtLevel(String... args) throws IOException, InterruptedException {
        return flag("TieredStopAtLevel", args);
    }

    private static String flag(String name, String... args) throws IOException, InterruptedException {
        String flags = run(Map.of("BACKFILL_JAVA_OPTS", "-XX:+PrintFlagsFinal"), args).out();
        return flags.lines().filter(line -> line.contains(" " + name + " ")).findFirst()
                .map(line -> line.replaceAll(".*= *(\\w+).*", "$1")).orElseThrow();
    }

    private record Run(String out, String err) {}

    private static Run run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        Process process = start(environment, args);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", List.of(args)).isTrue();
        Path err = HOME.resolve("err.txt");
        assertThat(process.exitValue()).as(Files.readString(err)).isZero();
        return new Run(Files.readString(HOME.resolve("out.txt"), StandardCharsets.UTF_8).strip(),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static Process start(Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(HOME.resolve("bin").resolve("backfill").toString()));
        command.addAll(List.of(args));
        Path out = HOME.resolve("out.txt");
        Path err = HOME.resolve("err.txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        // the java that runs the tests, first on the PATH the script looks in
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        builder.environment().put("PATH", javaBin + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        builder.environment().remove("BACKFILL_JAVA_OPTS");
        builder.environment().remove("BACKFILL_CDS");
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static List<Path> archives() throws IOException {
        try (Stream<Path> files = Files.list(HOME.resolve("target"))) {
            return files.filter(f -> f.getFileName().toString().contains(".jsa")).sorted().toList();
        }
    }

    private static Path runnableJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("backfill-workbench-.*-all\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("the runnable jar is built by 'package', before the integration tests"));
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
