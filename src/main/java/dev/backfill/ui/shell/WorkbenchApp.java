package dev.backfill.ui.shell;

import atlantafx.base.theme.PrimerLight;
import dev.backfill.db.EmbeddedServers;
import dev.backfill.db.Secrets;
import dev.backfill.engine.Workspace;
import dev.backfill.ui.AppState;
import dev.backfill.ui.Preferences;
import dev.backfill.ui.common.Dialogs;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.task.FxTaskExecutor;
import dev.backfill.ui.task.TaskExecutor;
import java.nio.file.Path;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.stage.Stage;
import javafx.stage.WindowEvent;

/** The desktop workbench. */
public final class WorkbenchApp extends Application {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkbenchApp.class);
    private TaskExecutor executor;
    private AppState state;
    private MainWindow window;
    private Preferences preferences;

    /** Where the built-in demo keeps its database and plans. */
    public static Path demoFolder() {
        return Path.of(System.getProperty("user.home"), ".backfill-workbench", "demo");
    }

    @Override
    public void start(Stage stage) {
        preferences = Preferences.standard();
        executor = new FxTaskExecutor();
        state = new AppState(executor, new Secrets());
        Session session = new Session(state, preferences, new dev.backfill.demo.DemoEnvironment(demoFolder()));
        window = new MainWindow(state, session, new dev.backfill.ui.common.FilePicker.Native());
        Scene scene = new Scene(window.root(), 1280, 800);
        style(scene);
        stage.setTitle("Backfill Workbench");
        stage.setScene(scene);
        restoreBounds(stage);
        stage.setOnCloseRequest(event -> onClose(stage, event));
        stage.show();
        javafx.application.Platform.runLater(() -> LOG.info("Window shown {} ms after the JVM started",
                System.currentTimeMillis() - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()));
        String plan = getParameters().getNamed().get("plan");
        if (plan != null) {
            session.openPlan(Path.of(plan), () -> { });
        } else if (getParameters().getUnnamed().contains("--demo") || getParameters().getNamed().containsKey("demo-users")) {
            window.startDemo(demoUsers(getParameters().getNamed().getOrDefault("demo-users", "200")));
        }
    }

    private static int demoUsers(String text) {
        try {
            return Math.max(1, Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            LOG.warn("--demo-users={} is not a number; starting the demo with 200 users", text);
            return 200;
        }
    }

    /** The theme and the workbench's own styles; also used by the UI tests. */
    public static void style(Scene scene) {
        Application.setUserAgentStylesheet(new PrimerLight().getUserAgentStylesheet());
        scene.getStylesheets().add(WorkbenchApp.class.getResource("workbench.css").toExternalForm());
    }

    private void restoreBounds(Stage stage) {
        double[] bounds = preferences.windowBounds();
        if (bounds != null) {
            stage.setX(bounds[0]);
            stage.setY(bounds[1]);
            stage.setWidth(bounds[2]);
            stage.setHeight(bounds[3]);
        }
        stage.setMaximized(preferences.windowMaximized());
    }

    /**
     * Asks first when the plan editor holds unsaved edits, and when a batch is applying; an apply is then
     * paused after the current users so it stays resumable.
     */
    private void onClose(Stage stage, WindowEvent event) {
        if (!window.mayClose()) {
            event.consume();
            return;
        }
        var running = state.runningApplyProperty().get();
        if (running == null) {
            preferences.rememberWindow(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight(), stage.isMaximized());
            return;
        }
        event.consume();
        boolean pause = Dialogs.confirm(stage, "A batch is being applied",
                "Closing now pauses the apply after the users it is writing. Nothing is lost: the batch stays in APPLYING and"
                        + " Resume (or 'backfill apply') continues with the users not done.", "Pause and close");
        if (!pause) {
            return;
        }
        running.request();
        state.activityProperty().set("Pausing before closing…");
        state.runningApplyProperty().addListener((o, old, now) -> {
            if (now == null) {
                preferences.rememberWindow(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight(), stage.isMaximized());
                stage.close();
                Platform.exit();
            }
        });
    }

    @Override
    public void stop() {
        if (window != null) {
            window.stop();
        }
        Workspace workspace = state == null ? null : state.workspace();
        if (workspace != null) {
            workspace.close();
        }
        if (executor != null) {
            executor.shutdown();
        }
        EmbeddedServers.stopAll();
    }
}
