package dev.backfill.ui.shell;

import dev.backfill.plan.Plan;
import dev.backfill.ui.AppState;
import dev.backfill.ui.Preferences;
import dev.backfill.ui.batches.BatchesView;
import dev.backfill.ui.batches.BatchesViewModel;
import dev.backfill.ui.common.Dialogs;
import dev.backfill.ui.conflicts.ConflictsView;
import dev.backfill.ui.conflicts.ConflictsViewModel;
import dev.backfill.ui.connections.ConnectionsView;
import dev.backfill.ui.connections.ConnectionsViewModel;
import dev.backfill.ui.dryrun.DryRunView;
import dev.backfill.ui.dryrun.DryRunViewModel;
import dev.backfill.ui.parity.ParityView;
import dev.backfill.ui.parity.ParityViewModel;
import dev.backfill.ui.plan.PlanEditorViewModel;
import dev.backfill.ui.plan.PlanView;
import dev.backfill.ui.plan.PlanViewModel;
import dev.backfill.ui.plan.WhatIfViewModel;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.start.StartView;
import dev.backfill.ui.start.StartViewModel;
import java.io.File;
import java.nio.file.Path;
import javafx.beans.binding.Bindings;
import javafx.scene.Parent;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import org.controlsfx.control.StatusBar;

/** The workbench window: menus, the start page or the plan's screens, and a status bar. */
public final class MainWindow {
    public static final String TABS_ID = "screens";

    private final AppState state;
    private final Session session;
    private final BorderPane root = new BorderPane();
    private final TabPane tabs = new TabPane();
    private final StartView start;
    private final StartViewModel startModel;
    private final ParityView parity;
    private final Menu recent = new Menu("Recent plans");
    private final PlanEditorViewModel editor;
    private final EndedNotifier notifier = new EndedNotifier(() -> root.getScene() == null ? null : root.getScene().getWindow());

    public MainWindow(AppState state, Session session, dev.backfill.ui.common.FilePicker files) {
        this.state = state;
        this.session = session;
        this.startModel = new StartViewModel(session);
        this.start = new StartView(startModel);
        DryRunViewModel dryRunModel = new DryRunViewModel(state);
        this.editor = new PlanEditorViewModel(state, session);
        PlanView plan = new PlanView(new PlanViewModel(state), editor, new WhatIfViewModel(state, editor, dryRunModel.selectedProperty()));
        ConnectionsView connections = new ConnectionsView(new ConnectionsViewModel(state, session));
        DryRunView dryRun = new DryRunView(dryRunModel);
        ConflictsView conflicts = new ConflictsView(new ConflictsViewModel(state), files);
        BatchesView batches = new BatchesView(new BatchesViewModel(state));
        this.parity = new ParityView(new ParityViewModel(state), files);
        tabs.setId(TABS_ID);
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.getTabs().addAll(tab("Plan", plan.root()), tab("Connections", connections.root()), tab("Dry run", dryRun.root()),
                tab("Conflicts", conflicts.root()), tab("Batches", batches.root()), tab("Parity", parity.root()));
        root.setTop(menus());
        root.setBottom(statusBar());
        showStartOrTabs();
        state.planProperty().addListener((o, old, value) -> showStartOrTabs());
        state.planFileProperty().addListener((o, old, value) -> showStartOrTabs());
        state.workspaceProperty().addListener((o, old, workspace) -> {
            if (workspace != null && old == null) {
                tabs.getSelectionModel().select(2);
            }
        });
        state.operationEndedProperty().addListener((o, old, ended) -> notifier.ended(ended));
        state.lastErrorProperty().addListener((o, old, message) -> {
            if (message != null && root.getScene() != null) {
                Dialogs.error(window(), message);
            }
        });
    }

    private static Tab tab(String title, Parent content) {
        Tab tab = new Tab(title, content);
        tab.setId("tab-" + title.toLowerCase().replace(' ', '-'));
        return tab;
    }

    public Parent root() {
        return root;
    }

    /** Starts the built-in demo as the start page's button does (the launcher's --demo, --demo-users=N). */
    public void startDemo(int users) {
        startModel.usersProperty().set(users);
        startModel.startDemo();
    }

    /** How long an operation must run for a person away from the window to be told it ended (10 s by default). */
    public void notifyWhenLongerThan(java.time.Duration threshold) {
        notifier.longerThan(threshold);
    }

    public TabPane tabs() {
        return tabs;
    }

    /**
     * Whether the window may close as far as the plan editor is concerned: with edits not saved, the
     * person is asked first, and closing without them is their choice, never a surprise.
     */
    public boolean mayClose() {
        if (!editor.hasUnsavedEdits()) {
            return true;
        }
        return Dialogs.confirm(window(), "The plan has edits that are not saved",
                "The plan editor holds changes to " + editor.file() + " that are not in the file. Closing now loses them."
                        + " To keep them, cancel, then Save in the Plan tab's editor (only a valid plan is saved).", "Close without saving");
    }

    private Window window() {
        return root.getScene().getWindow();
    }

    private void showStartOrTabs() {
        boolean open = state.plan() != null || !state.planErrors().isEmpty();
        root.setCenter(open ? tabs : start.root());
        if (open && state.plan() == null) {
            tabs.getSelectionModel().select(0);
        }
    }

    private MenuBar menus() {
        MenuItem openPlan = new MenuItem("Open plan…");
        openPlan.setAccelerator(KeyCombination.keyCombination("Shortcut+O"));
        openPlan.setOnAction(event -> chooseAndOpen());
        MenuItem demo = new MenuItem("Built-in demo…");
        demo.setOnAction(event -> closePlan());
        MenuItem reconnect = new MenuItem("Reconnect");
        reconnect.setOnAction(event -> session.connect(() -> { }));
        reconnect.disableProperty().bind(state.planProperty().isNull());
        MenuItem close = new MenuItem("Close plan");
        close.setOnAction(event -> closePlan());
        close.disableProperty().bind(Bindings.isNotNull(state.runningApplyProperty()));
        MenuItem quit = new MenuItem("Quit");
        quit.setAccelerator(KeyCombination.keyCombination("Shortcut+Q"));
        quit.setOnAction(event -> window().fireEvent(new javafx.stage.WindowEvent(window(), javafx.stage.WindowEvent.WINDOW_CLOSE_REQUEST)));
        recent.setOnShowing(event -> fillRecent());
        fillRecent();
        Menu file = new Menu("File", null, openPlan, recent, demo, new SeparatorMenuItem(), reconnect, close, new SeparatorMenuItem(), quit);
        MenuItem about = new MenuItem("About Backfill Workbench");
        about.setOnAction(event -> Dialogs.info(window(), "Backfill Workbench",
                "Reviewed, approved, reversible batch backfills into PostgreSQL. Plans, reports and the command line are described in"
                        + " the README and src/site/markdown."));
        return new MenuBar(file, new Menu("Help", null, about));
    }

    private void fillRecent() {
        recent.getItems().clear();
        for (Path plan : session.preferences().recentPlans()) {
            MenuItem item = new MenuItem(plan.toString());
            item.setOnAction(event -> session.openPlan(plan, () -> { }));
            recent.getItems().add(item);
        }
        recent.setDisable(recent.getItems().isEmpty());
    }

    private void chooseAndOpen() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Open a plan");
        chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Plans (*.yaml, *.yml)", "*.yaml", "*.yml"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        File file = chooser.showOpenDialog(window());
        if (file != null) {
            session.openPlan(file.toPath(), () -> { });
        }
    }

    private void closePlan() {
        if (state.runningApplyProperty().get() != null) {
            return;
        }
        state.replaceWorkspace(null);
        state.planErrors().clear();
        state.planProperty().set(null);
        state.planFileProperty().set(null);
        showStartOrTabs();
    }

    private StatusBar statusBar() {
        StatusBar bar = new StatusBar();
        bar.setId("statusBar");
        bar.textProperty().bind(Bindings.createStringBinding(() -> {
            Plan plan = state.plan();
            String where = plan == null ? "No plan open" : "Plan " + plan.name() + " · target " + plan.target().describe()
                    + (state.workspace() == null ? " · not connected" : "");
            String activity = state.activityProperty().get();
            return activity == null || activity.isEmpty() ? where : where + " · " + activity;
        }, state.planProperty(), state.workspaceProperty(), state.activityProperty()));
        return bar;
    }

    /** Stops timers; called when the window closes. */
    public void stop() {
        parity.stop();
    }
}
