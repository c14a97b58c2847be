package dev.backfill.cli;

import dev.backfill.control.PlanBusyException;
import dev.backfill.db.CannotConnectException;
import dev.backfill.engine.Cancellation;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.source.SourceException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** Base of every command: turns what can go wrong into one clear message and an exit code. */
abstract class BackfillCommand implements Callable<Integer> {

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

    @Override
    public final Integer call() {
        try {
            return execute();
        } catch (InvalidPlanException e) {
            err().println(e.getMessage());
            err().println("Nothing was run. Fix the plan and try again ('backfill validate PLAN' checks it without connecting).");
            return ExitCodes.BAD_PLAN;
        } catch (CannotConnectException | dev.backfill.control.ControlSchemaException e) {
            err().println(e.getMessage());
            return ExitCodes.CANNOT_CONNECT;
        } catch (dev.backfill.engine.ApplyInterruptedException e) {
            err().println(e.getMessage());
            return ExitCodes.FAILED;
        } catch (PlanBusyException | IllegalStateException e) {
            err().println(e.getMessage());
            return ExitCodes.REFUSED;
        } catch (IllegalArgumentException e) {
            err().println(e.getMessage());
            return ExitCodes.BAD_PLAN;
        } catch (Cancellation.CancelledException e) {
            err().println(e.getMessage());
            return ExitCodes.FAILED;
        } catch (SourceException e) {
            err().println(e.getMessage());
            return ExitCodes.FAILED;
        } catch (SQLException e) {
            err().println("Database error: " + e.getMessage() + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
            return e.getSQLState() != null && e.getSQLState().startsWith("08") ? ExitCodes.CANNOT_CONNECT : ExitCodes.FAILED;
        } catch (IOException | UncheckedIOException e) {
            err().println(e.getMessage());
            return ExitCodes.FAILED;
        } catch (Exception e) {
            err().println("Failed: " + e);
            return ExitCodes.FAILED;
        } finally {
            err().flush();
            out().flush();
        }
    }
}
