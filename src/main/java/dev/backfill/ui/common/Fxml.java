package dev.backfill.ui.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;

/** Loads a screen's FXML with a given controller (the View), and the CSS beside it. */
public final class Fxml {

    private Fxml() {}

    public static Parent load(Class<?> view, Object controller) {
        String name = view.getSimpleName();
        URL fxml = view.getResource(name + ".fxml");
        if (fxml == null) {
            throw new IllegalStateException(name + ".fxml is missing next to " + view.getName());
        }
        FXMLLoader loader = new FXMLLoader(fxml);
        loader.setController(controller);
        try {
            Parent root = loader.load();
            URL css = view.getResource(name + ".css");
            if (css != null) {
                root.getStylesheets().add(css.toExternalForm());
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("could not load " + fxml, e);
        }
    }
}
