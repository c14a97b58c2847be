package dev.backfill.cli;

import dev.backfill.report.BuildInfo;
import picocli.CommandLine;

/** The headless command line: thin commands over the same services the workbench uses. */
@CommandLine.Command(name = "backfill", mixinStandardHelpOptions = true, versionProvider = BackfillCli.Version.class,
        description = {"Backfill Workbench: move legacy data into a new PostgreSQL schema one reviewed, approved batch of users"
                + " at a time, with a ledger that makes every batch reversible. Dry run is the default everywhere."},
        subcommands = {DemoCommand.class, ValidateCommand.class, DryRunCommand.class, PreviewCommand.class, ExportCommand.class,
                BatchesCommand.class, FormBatchCommand.class, ApproveCommand.class, ApplyCommand.class, WorkerCommand.class, PauseCommand.class,
                ParityCommand.class, RollbackCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class},
        footer = ExitCodes.HELP)
public final class BackfillCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Backfill Workbench " + BuildInfo.current().describe()};
        }
    }

    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BackfillCli());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        // every subcommand's -V answers as the top level does
        commandLine.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(new Version()));
        commandLine.setParameterExceptionHandler((ex, args) -> {
            java.io.PrintWriter err = ex.getCommandLine().getErr();
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
                String word = unmatched.getUnmatched().get(0);
                boolean option = word.startsWith("-");
                String what = option ? "an option of '" + command + "'"
                        : ex.getCommandLine().getSubcommands().isEmpty() ? "an argument '" + command + "' takes" : "a command of '" + command + "'";
                err.println("'" + word + "' is not " + what
                        + (unmatched.getSuggestions().isEmpty() ? "." : ". Did you mean " + quoted(unmatched.getSuggestions()) + "?"));
            } else {
                err.println(ex.getMessage());
            }
            err.println("See '" + command + " --help'.");
            return ExitCodes.BAD_PLAN;
        });
        return commandLine;
    }

    private static String quoted(java.util.List<String> suggestions) {
        return String.join(" or ", suggestions.stream().limit(3).map(s -> "'" + s + "'").toList());
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }
}
