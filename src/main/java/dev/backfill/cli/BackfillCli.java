package dev.backfill.cli;

import picocli.CommandLine;

/** The headless command line: thin commands over the same services the workbench uses. */
@CommandLine.Command(name = "backfill", mixinStandardHelpOptions = true, versionProvider = BackfillCli.Version.class,
        description = {"Backfill Workbench: move legacy data into a new PostgreSQL schema one reviewed, approved batch of users",
                "at a time, with a ledger that makes every batch reversible. Dry run is the default everywhere."},
        subcommands = {DemoCommand.class, ValidateCommand.class, DryRunCommand.class, PreviewCommand.class, ExportCommand.class,
                BatchesCommand.class, FormBatchCommand.class, ApproveCommand.class, ApplyCommand.class, PauseCommand.class,
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
            String version = BackfillCli.class.getPackage().getImplementationVersion();
            return new String[] {"Backfill Workbench " + (version == null ? "(development build)" : version)};
        }
    }

    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BackfillCli());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println(ex.getMessage());
            ex.getCommandLine().getErr().println("See '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.BAD_PLAN;
        });
        return commandLine;
    }

    public static int run(String... args) {
        return commandLine().execute(args);
    }
}
