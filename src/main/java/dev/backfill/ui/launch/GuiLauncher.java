package dev.backfill.ui.launch;

import dev.backfill.ui.shell.WorkbenchApp;
import javafx.application.Application;

/** Starts the desktop workbench; keeps every JavaFX import inside the ui package. */
public final class GuiLauncher {

    private GuiLauncher() {}

    public static void launch(String[] args) {
        Application.launch(WorkbenchApp.class, args);
    }
}
