package dev.backfill.testing;

import dev.backfill.cli.BackfillCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code backfill args...} in the test's JVM, capturing what it prints and how long it took. */
public final class InProcessCli {

    /** What a command did: its exit code, stdout, stderr, and its duration in seconds. */
    public record Result(int exit, String out, String err, double seconds) {
        /** Everything it printed, for "never shows X" assertions. */
        public String printed() {
            return out + err;
        }
    }

    private InProcessCli() {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = BackfillCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        long start = System.nanoTime();
        int exit = commandLine.execute(args);
        return new Result(exit, out.toString(), err.toString(), (System.nanoTime() - start) / 1e9);
    }
}
