package dev.backfill.ui.common;

import java.io.File;
import java.nio.file.Path;
import javafx.stage.FileChooser;
import javafx.stage.Window;

/** Asks the user for a file; the tests answer without a native dialog. */
public interface FilePicker {

    /** A file to write, or null when the user cancelled. */
    Path save(Window owner, String title, String suggestedName);

    /** The native file chooser. */
    final class Native implements FilePicker {
        @Override
        public Path save(Window owner, String title, String suggestedName) {
            FileChooser chooser = new FileChooser();
            chooser.setTitle(title);
            chooser.setInitialFileName(suggestedName);
            chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("JSON", "*.json"));
            File file = chooser.showSaveDialog(owner);
            return file == null ? null : file.toPath();
        }
    }
}
