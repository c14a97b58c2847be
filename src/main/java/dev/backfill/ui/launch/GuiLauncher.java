package dev.backfill.ui.launch;

import dev.backfill.ui.shell.WorkbenchApp;
import java.io.PrintStream;
import java.util.Optional;
import javafx.application.Application;

/** Starts the desktop workbench; keeps every JavaFX import inside the ui package. */
public final class GuiLauncher {

    private GuiLauncher() {}

    /**
     * Runs the workbench until its window closes. Returns false, after telling the operator what is missing,
     * when this machine cannot show it (no GTK 3 or no display on Linux).
     */
    public static boolean launch(String[] args, PrintStream err) {
        Optional<String> problem = DesktopCheck.problem();
        if (problem.isPresent()) {
            err.println(problem.get());
            return false;
        }
        try {
            Application.launch(WorkbenchApp.class, args);
            return true;
        } catch (UnsupportedOperationException e) {
            // JavaFX's own verdict when the check passed but the toolkit still cannot start,
            // e.g. "Unable to open DISPLAY" for a display set but not reachable (a stale ssh -X session)
            err.println("The workbench (the desktop UI) cannot start here: JavaFX says '" + e.getMessage() + "'."
                    + System.lineSeparator() + "Check that the display (DISPLAY=" + System.getenv("DISPLAY")
                    + ") is reachable and GTK 3 is installed (libgtk-3-0 on Debian/Ubuntu, gtk3 on Fedora)."
                    + " The command line works without a display: run 'bin/backfill --help'.");
            return false;
        }
    }
}
