package dev.backfill;

import dev.backfill.cli.BackfillCli;

/**
 * Entry point of the runnable jar. It does not extend javafx.application.Application, so the shaded
 * jar starts without JavaFX on the module path.
 */
public final class Launcher {

    private Launcher() {}

    public static void main(String[] args) {
        int code = BackfillCli.run(args);
        System.exit(code);
    }
}
