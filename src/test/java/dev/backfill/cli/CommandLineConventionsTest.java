package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.report.BuildInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What an operator meets before any command runs: help in whole sentences, a version everywhere, a did-you-mean. */
class CommandLineConventionsTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = BackfillCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exit = commandLine.execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void everyDescriptionLineIsAWholeSentence() {
        List<String> cut = new ArrayList<>();
        CommandLine root = BackfillCli.commandLine();
        List<CommandLine> commands = new ArrayList<>(root.getSubcommands().values());
        commands.add(root);
        commands.removeIf(command -> command.getCommandName().equals("help")); // picocli's own
        for (CommandLine command : commands) {
            String name = command.getCommandSpec().qualifiedName();
            for (String line : command.getCommandSpec().usageMessage().description()) {
                if (!line.strip().matches("(?s).*[.?!:)]$")) {
                    cut.add(name + ": " + line);
                }
            }
            for (CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
                String text = String.join(" ", option.description()).strip();
                if (!text.isEmpty() && !text.matches("(?s).*[.?!)]$")) {
                    cut.add(name + " " + option.longestName() + ": " + text);
                }
            }
        }
        assertThat(cut).as("description lines that stop mid-sentence").isEmpty();
    }

    @Test
    void everyCommandPrintsTheVersionAndCommit() {
        String expected = "Backfill Workbench " + BuildInfo.current().describe();
        assertThat(run("-V")[1].strip()).isEqualTo(expected);
        for (String command : BackfillCli.commandLine().getSubcommands().keySet()) {
            if (!command.equals("help")) {
                assertThat(run(command, "-V")[1].strip()).as(command + " -V").isEqualTo(expected);
            }
        }
    }

    @Test
    void aMistypedCommandOrOptionGetsADidYouMean() {
        String[] command = run("dryrun", "plan.yaml");
        assertThat(command[0]).isEqualTo("2");
        assertThat(command[2]).startsWith("'dryrun' is not a command of 'backfill'. Did you mean 'dry-run'?")
                .contains("See 'backfill --help'.");

        String[] option = run("apply", "plan.yaml", "--next", "--chunck", "50");
        assertThat(option[0]).isEqualTo("2");
        assertThat(option[2]).startsWith("'--chunck' is not an option of 'backfill apply'. Did you mean '--chunk'?");
    }
}
