package dev.backfill.cli;

import dev.backfill.errors.Failure;
import dev.backfill.plan.InvalidPlanException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Base of every command: turns what can go wrong into one clear message and its documented exit code, once. */
abstract class BackfillCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(BackfillCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The command's work; returns an exit code. */
    protected abstract int execute() throws Exception;

    /** The plan file the command was given, shown in hints in place of PLAN; null for commands without one. */
    private String planFile() {
        for (CommandLine.Model.PositionalParamSpec parameter : spec.positionalParameters()) {
            if ("PLAN".equals(parameter.paramLabel()) && parameter.getValue() != null) {
                return parameter.getValue().toString();
            }
        }
        return null;
    }

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (Exception e) {
            Failure failure = Failure.of(e);
            if (failure.kind() == Failure.Kind.INTERNAL) {
                LOG.error("Internal error in '{}'", spec.qualifiedName(), e);
            }
            err().println(failure.message());
            if (e instanceof InvalidPlanException) {
                err().println("Nothing was run. Fix the plan and try again ('backfill validate PLAN' checks it without connecting).");
            }
            printHints(failure.hints());
            return exitCode(failure.kind());
        } finally {
            err().flush();
            out().flush();
        }
    }

    /** The one mapping from what went wrong to the documented exit codes. */
    static int exitCode(Failure.Kind kind) {
        return switch (kind) {
            case REFUSED -> ExitCodes.REFUSED;
            case INVALID_INPUT -> ExitCodes.BAD_PLAN;
            case UNREACHABLE -> ExitCodes.CANNOT_CONNECT;
            case FAILED, INTERNAL -> ExitCodes.FAILED;
        };
    }

    private void printHints(java.util.List<String> hints) {
        String plan = planFile() == null ? "PLAN" : planFile();
        for (int i = 0; i < hints.size(); i++) {
            err().println((i == 0 ? "Next: " : "then: ") + hints.get(i).replace(" PLAN", " " + plan));
        }
    }
}
