package dev.backfill.ui.shell;

import dev.backfill.engine.ProgressText;
import dev.backfill.ui.OperationEnded;
import java.time.Duration;
import java.util.function.Supplier;
import javafx.geometry.Pos;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.controlsfx.control.Notifications;

/**
 * Tells a person away from the window that a long operation ended: a notification in the corner of the
 * screen, and a window title (what the taskbar shows) that says so until the window is in front again (focused,
 * not minimized).
 */
final class EndedNotifier {
    static final Duration LONG = Duration.ofSeconds(10);
    static final String STYLE_CLASS = "operation-ended";
    private static final javafx.util.Duration SHOWN_FOR = javafx.util.Duration.seconds(30);

    private final Supplier<Window> window;
    private Duration longerThan = LONG;
    /** The window's own title while the news stands before it; null when it does not. */
    private String title;
    private Stage marked;

    EndedNotifier(Supplier<Window> window) {
        this.window = window;
    }

    /** How long an operation must run for a person away from the window to be told (10 s unless a test says otherwise). */
    void longerThan(Duration threshold) {
        this.longerThan = threshold;
    }

    /** Whether a person should be told: the operation was long and the window is not in front of them. */
    static boolean worthTelling(OperationEnded ended, Duration longerThan, boolean focused, boolean iconified) {
        return ended.took().compareTo(longerThan) >= 0 && (!focused || iconified);
    }

    /** The notification's title: "Dry run finished", "Apply ended with problems". */
    static String headline(OperationEnded ended) {
        return ended.operation() + (ended.succeeded() ? " finished" : " ended with problems");
    }

    void ended(OperationEnded ended) {
        if (!(window.get() instanceof Stage stage) || !worthTelling(ended, longerThan, stage.isFocused(), stage.isIconified())) {
            return;
        }
        markTitle(stage, (ended.succeeded() ? "✔ " : "⚠ ") + headline(ended));
        Notifications notification = Notifications.create()
                .title(headline(ended))
                .text(ended.outcome() + "\n(took " + ProgressText.duration(ended.took()) + ")")
                .owner(stage)
                .position(Pos.TOP_RIGHT)
                .hideAfter(SHOWN_FOR)
                .styleClass(STYLE_CLASS);
        if (ended.succeeded()) {
            notification.showInformation();
        } else {
            notification.showWarning();
        }
    }

    private void restoreTitleIfInFront(Stage stage) {
        if (title != null && stage.isFocused() && !stage.isIconified()) {
            stage.setTitle(title);
            title = null;
        }
    }

    /** Puts the news before the window's title until the window is in front of the person again. */
    private void markTitle(Stage stage, String news) {
        if (marked != stage) {
            marked = stage;
            stage.focusedProperty().addListener((o, was, focused) -> restoreTitleIfInFront(stage));
            stage.iconifiedProperty().addListener((o, was, iconified) -> restoreTitleIfInFront(stage));
        }
        if (title == null) {
            title = stage.getTitle() == null ? "" : stage.getTitle();
        }
        stage.setTitle(title.isEmpty() ? news : news + " — " + title);
    }
}
