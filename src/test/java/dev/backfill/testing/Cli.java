package dev.backfill.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the command line ({@code dev.backfill.Launcher}) in a separate JVM with the test's java and
 * class path, its output in files (so a full pipe never blocks it). Callers destroy it in a finally.
 */
public final class Cli implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private Cli(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code backfill args...}; its stdout and stderr go to files in {@code folder}. */
    public static Cli start(Path folder, String name, String... args) throws IOException {
        return start(folder, name, List.of(), null, args);
    }

    /**
     * Starts {@code dev.backfill.Launcher args...} with extra JVM options and, if not null, exactly this
     * environment (nothing inherited), e.g. to set a password variable or take the display away.
     */
    public static Cli start(Path folder, String name, List<String> jvmOptions, Map<String, String> environment, String... args)
            throws IOException {
        Files.createDirectories(folder);
        Path out = folder.resolve(name + ".out.txt");
        Path err = folder.resolve(name + ".err.txt");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.backfill.Launcher");
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (environment != null) {
            builder.environment().clear();
            builder.environment().putAll(environment);
        }
        Process process = builder.start();
        return new Cli(process, out, err);
    }

    public Process process() {
        return process;
    }

    /** Waits for the exit code; fails if the process does not end in time. */
    public int exitCode(long timeoutSeconds) throws InterruptedException, IOException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the CLI did not finish in " + timeoutSeconds + " s; stderr so far: " + err());
        }
        return process.exitValue();
    }

    /** SIGKILL (no shutdown hooks run), then waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public String out() throws IOException {
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    public String err() throws IOException {
        return Files.readString(err, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
