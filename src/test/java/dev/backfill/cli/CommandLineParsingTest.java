package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How the command line reads what an operator types, before anything touches a database. */
class CommandLineParsingTest {

    private static ApproveCommand approve(String... args) {
        CommandLine.ParseResult parsed = BackfillCli.commandLine().parseArgs(args);
        return (ApproveCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void approveNextBeforeThePlanFileMeansOneBatch() {
        ApproveCommand command = approve("approve", "--next", "plans/parts.plan.yaml");

        assertThat(command.next).isEqualTo(1);
        assertThat(command.plan.file).isEqualTo(Path.of("plans/parts.plan.yaml"));
    }

    @Test
    void approveNextWithACountTakesThatManyBatches() {
        assertThat(approve("approve", "--next", "3", "parts.plan.yaml").next).isEqualTo(3);
        assertThat(approve("approve", "parts.plan.yaml", "--next").next).isEqualTo(1);
        assertThat(approve("approve", "parts.plan.yaml", "--batch", "4").batch).isEqualTo(4);
    }

    @Test
    void approvingBothABatchAndTheNextIsRefusedWithExitTwo() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = BackfillCli.commandLine();
        commandLine.setErr(new PrintWriter(err, true));

        int exit = commandLine.execute("approve", "parts.plan.yaml", "--batch", "4", "--next");

        assertThat(exit).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(err.toString()).contains("Give either --batch 4 or --next, not both.");
    }

    @Test
    void anUnknownOptionExitsWithTwoAndPointsAtHelp() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = BackfillCli.commandLine();
        commandLine.setErr(new PrintWriter(err, true));

        int exit = commandLine.execute("apply", "parts.plan.yaml", "--batches", "4");

        assertThat(exit).isEqualTo(ExitCodes.BAD_PLAN);
        assertThat(err.toString()).contains("'--batches' is not an option of 'backfill apply'. Did you mean '--batch'?")
                .contains("See 'backfill apply --help'.");
    }
}
