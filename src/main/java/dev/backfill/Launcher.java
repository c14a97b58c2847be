package dev.backfill;

import dev.backfill.cli.BackfillCli;
import dev.backfill.cli.ExitCodes;
import dev.backfill.ui.launch.GuiLauncher;

/**
 * Entry point of the runnable jar: with arguments, the command line; without (or with --demo,
 * --demo-users=N or --plan=FILE), the workbench. It does not extend javafx.application.Application, so the shaded
 * jar starts without JavaFX on the module path.
 */
public final class Launcher {

    private Launcher() {}

    public static void main(String[] args) {
        // the app image's 'backfill' launcher sets backfill.cli: it is the command line even without arguments
        boolean commandLine = Boolean.getBoolean("backfill.cli");
        if (!commandLine && (args.length == 0 || args[0].startsWith("--plan=") || args[0].startsWith("--demo"))) {
            if (!GuiLauncher.launch(args, System.err)) {
                System.exit(ExitCodes.FAILED);
            }
            return;
        }
        System.exit(BackfillCli.run(args));
    }
}
