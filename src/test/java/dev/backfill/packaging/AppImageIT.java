package dev.backfill.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.report.BuildInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The installable app: jpackage builds an app image with its own runtime from the runnable jar, with
 * the same argument file the {@code app-image} Maven profile uses, and its {@code backfill} launcher
 * answers as the command line does.
 */
class AppImageIT {
    private static final Path OUT = Path.of("target", "app-image-test").toAbsolutePath();

    @Test
    void theAppImageCarriesTheCommandLine() throws Exception {
        Path jar = runnableJar();
        Path input = OUT.resolve("input");
        deleteRecursively(OUT);
        Files.createDirectories(input);
        Files.copy(jar, input.resolve(jar.getFileName()));
        ToolProvider jpackage = ToolProvider.findFirst("jpackage").orElseThrow(() -> new AssertionError("this JDK has no jpackage"));
        StringWriter log = new StringWriter();
        int exit = jpackage.run(new PrintWriter(log, true), new PrintWriter(log, true), "@src/jpackage/app-image.args",
                "--input", input.toString(), "--main-jar", jar.getFileName().toString(), "--dest", OUT.resolve("image").toString());
        assertThat(exit).as(log.toString()).isZero();

        Path image = OUT.resolve("image").resolve("Backfill Workbench");
        assertThat(image.resolve("bin").resolve("Backfill Workbench")).as("the workbench launcher").isExecutable();
        Path cli = image.resolve("bin").resolve("backfill");
        assertThat(run(cli, "--version")).isEqualTo("Backfill Workbench " + BuildInfo.current().describe());
        assertThat(run(cli)).as("without arguments the command line prints its usage, not the workbench")
                .startsWith("Usage: backfill");
    }

    private static String run(Path launcher, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
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
