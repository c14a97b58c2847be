package dev.backfill.ui.dryrun;

import dev.backfill.control.UserView;
import dev.backfill.engine.Cancellation;
import dev.backfill.engine.DryRun;
import dev.backfill.engine.ProgressText;
import dev.backfill.engine.Preview;
import dev.backfill.engine.Workspace;
import dev.backfill.mapping.FindingKind;
import dev.backfill.parity.Parity;
import dev.backfill.parity.ParityStatus;
import dev.backfill.ui.AppState;
import dev.backfill.ui.common.Formats;
import dev.backfill.ui.task.BackgroundTask;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;

/** Runs the dry run and shows its users; one selected user in full. */
public final class DryRunViewModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DryRunViewModel.class);
    /** When the last Run was pressed (0: none pending); the time until its users are on screen is logged. */
    private long runStarted;
    public static final String ANY = "any";

    private final AppState state;
    private final ObservableList<UserView> users = FXCollections.observableArrayList();
    private final FilteredList<UserView> visibleUsers = new FilteredList<>(users);
    private final StringProperty search = new SimpleStringProperty("");
    private final StringProperty statusFilter = new SimpleStringProperty(ANY);
    private final StringProperty kindFilter = new SimpleStringProperty(ANY);
    private final StringProperty shown = new SimpleStringProperty("");
    private final BooleanProperty running = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty progressText = new SimpleStringProperty("");
    private final StringProperty fieldsNotFound = new SimpleStringProperty("");
    private final StringProperty unindexedForeignKeys = new SimpleStringProperty("");
    private final ObjectProperty<UserView> selected = new SimpleObjectProperty<>();
    private final ObjectProperty<Preview.Result> detail = new SimpleObjectProperty<>();
    private final StringProperty detailStatus = new SimpleStringProperty(
            "Select a user to see their legacy rows, planned rows, findings and SQL.");
    private final StringProperty userParity = new SimpleStringProperty("");
    private BackgroundTask<Finished> runningTask;

    private record UserDetail(Preview.Result preview, List<Parity.UserEntityParity> parity) {}

    /** "OK" / "PENDING" / "MISMATCH", then per entity: the selected user's parity. */
    public ReadOnlyStringProperty userParityProperty() {
        return userParity;
    }

    static String parityText(List<Parity.UserEntityParity> lines) {
        ParityStatus overall = lines.stream().map(Parity.UserEntityParity::status)
                .reduce(ParityStatus.OK, (a, b) -> a == ParityStatus.MISMATCH || b == ParityStatus.MISMATCH ? ParityStatus.MISMATCH
                        : a == ParityStatus.PENDING || b == ParityStatus.PENDING ? ParityStatus.PENDING : ParityStatus.OK);
        long waiting = lines.stream().mapToLong(Parity.UserEntityParity::waitingRows).sum();
        return waiting == 0 ? overall.name() : overall.name() + " (" + waiting + " row(s) wait for rows of other users: not migrated yet, or refused"
                + " by the target when written, which Batches lists)";
    }

    private long detailRequest;
    private final BooleanProperty groupByReferences = new SimpleBooleanProperty(false);
    private final BooleanProperty planReferencesOtherUsers = new SimpleBooleanProperty(false);

    /** Form new batches along the references between users (the dry run's batch order), instead of partition order. */
    public BooleanProperty groupByReferencesProperty() {
        return groupByReferences;
    }

    /** Whether the plan has references that may point at another user's rows (only then does grouping mean anything). */
    public ReadOnlyBooleanProperty planReferencesOtherUsersProperty() {
        return planReferencesOtherUsers;
    }

    public DryRunViewModel(AppState state) {
        this.state = state;
        search.addListener((o, old, value) -> applyFilter());
        statusFilter.addListener((o, old, value) -> applyFilter());
        kindFilter.addListener((o, old, value) -> applyFilter());
        users.addListener((javafx.collections.ListChangeListener<UserView>) change -> updateShown());
        visibleUsers.predicateProperty().addListener((o, old, value) -> updateShown());
        state.dataVersionProperty().addListener((o, old, version) -> reload());
        selected.addListener((o, old, user) -> loadDetail(user));
        reload();
    }

    public ObservableList<UserView> visibleUsers() {
        return visibleUsers;
    }

    public ObservableList<UserView> allUsers() {
        return users;
    }

    public StringProperty searchProperty() {
        return search;
    }

    public StringProperty statusFilterProperty() {
        return statusFilter;
    }

    public StringProperty kindFilterProperty() {
        return kindFilter;
    }

    public List<String> statuses() {
        List<String> statuses = new java.util.ArrayList<>(List.of(ANY));
        for (dev.backfill.lifecycle.UserStatus status : dev.backfill.lifecycle.UserStatus.values()) {
            statuses.add(status.sql());
        }
        return statuses;
    }

    public List<String> kinds() {
        List<String> kinds = new java.util.ArrayList<>(List.of(ANY, "with findings"));
        for (FindingKind kind : FindingKind.values()) {
            kinds.add(kind.name());
        }
        return kinds;
    }

    public ReadOnlyStringProperty shownProperty() {
        return shown;
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running;
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress;
    }

    public ReadOnlyStringProperty progressTextProperty() {
        return progressText;
    }

    /** The last dry run's fields that no legacy record has (NULL for every user), one per line; empty when none. */
    public ReadOnlyStringProperty fieldsNotFoundProperty() {
        return fieldsNotFound;
    }

    static String fieldsNotFoundText(List<dev.backfill.mapping.Finding> findings) {
        if (findings.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder(findings.size() == 1 ? "1 field the plan reads is in no legacy record"
                : findings.size() + " fields the plan reads are in no legacy record").append(" (NULL for every user):");
        findings.forEach(f -> text.append("\n• ").append(f.entity()).append(": ").append(f.message()));
        return text.toString();
    }

    /** The last dry run's foreign keys into the plan's tables that no index serves, with the statements; empty when none. */
    public ReadOnlyStringProperty unindexedForeignKeysProperty() {
        return unindexedForeignKeys;
    }

    static String unindexedForeignKeysText(List<dev.backfill.db.UnindexedForeignKey> keys) {
        if (keys.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder(dev.backfill.db.UnindexedForeignKey.heading(keys.size()));
        keys.forEach(key -> text.append("\n• ").append(key.message()));
        return text.toString();
    }

    public ObjectProperty<UserView> selectedProperty() {
        return selected;
    }

    public ReadOnlyObjectProperty<Preview.Result> detailProperty() {
        return detail;
    }

    public ReadOnlyStringProperty detailStatusProperty() {
        return detailStatus;
    }

    public void run() {
        Workspace workspace = state.workspace();
        if (workspace == null || running.get()) {
            return;
        }
        long started = System.nanoTime();
        runStarted = started;
        running.set(true);
        progress.set(-1);
        progressText.set("Starting the dry run…");
        fieldsNotFound.set("");
        unindexedForeignKeys.set("");
        state.activityProperty().set("Dry run of " + workspace.plan().name());
        DryRun.Options options = DryRun.Options.all().withBatchOrder(groupByReferences.get() ? DryRun.BatchOrder.REFERENCES
                : DryRun.BatchOrder.PARTITION);
        BackgroundTask<Finished> task = BackgroundTask.<Finished>of("dry run", (report, cancelled) -> {
            DryRun.Result result = new DryRun(workspace).run(options, report::accept, Cancellation.when(cancelled));
            // the users are read before the outcome is shown: the table never says "no dry run yet" under a finished one
            return new Finished(result, workspace.control().users().list());
        });
        runningTask = task;
        state.executor().execute(task
                .onProgress(p -> {
                    progress.set(p.fraction());
                    progressText.set(Formats.progress(p));
                })
                .onSuccess(finished -> {
                    DryRun.Result result = finished.result();
                    showUsers(finished.users());
                    progress.set(1);
                    fieldsNotFound.set(fieldsNotFoundText(result.fieldsNotFound()));
                    unindexedForeignKeys.set(unindexedForeignKeysText(result.unindexedForeignKeys()));
                    progressText.set(String.format("Dry run %d: %s users, %s legacy → %s planned rows, %s findings, %.1f s"
                                    + " (%s); target tables untouched", result.runId(), Formats.count(result.users()),
                            Formats.count(result.legacyRows()), Formats.count(result.plannedRows()), Formats.count(result.findingCount()),
                            result.seconds(), ProgressText.rate(result.legacyRowsPerSecond())));
                    state.operationEnded("Dry run", progressText.get(), started, true);
                    state.dataChanged();
                })
                .onFailure(error -> {
                    progress.set(0);
                    progressText.set("The dry run stopped: " + dev.backfill.ui.Errors.describe(error));
                    if (!(error instanceof Cancellation.CancelledException)) {
                        state.operationEnded("Dry run", progressText.get(), started, false);
                        state.fail("The dry run failed", error);
                    }
                })
                .onFinished(() -> {
                    running.set(false);
                    state.activityProperty().set("");
                }));
    }

    public void cancel() {
        if (runningTask != null && running.get()) {
            runningTask.cancel();
            progressText.set("Cancelling after the users being mapped…");
        }
    }

    public void reload() {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            users.clear();
            planReferencesOtherUsers.set(false);
            return;
        }
        planReferencesOtherUsers.set(workspace.plan().hasReferencesBetweenUsers());
        state.executor().execute(BackgroundTask.of("load users", () -> workspace.control().users().list()).onSuccess(this::showUsers)
                .onFailure(error -> state.fail("Could not read the dry-run results", error)));
    }

    private record Finished(DryRun.Result result, List<UserView> users) {}

    private void showUsers(List<UserView> loaded) {
        UserView keep = selected.get();
        users.setAll(loaded);
        if (runStarted != 0) {
            LOG.info("Dry run shown: {} users in the table {} s after Run", loaded.size(),
                    String.format("%.1f", (System.nanoTime() - runStarted) / 1e9));
            runStarted = 0;
        }
        if (keep != null) {
            loaded.stream().filter(u -> u.user().equals(keep.user())).findFirst().ifPresent(selected::set);
        }
    }

    private void applyFilter() {
        String text = search.get() == null ? "" : search.get().trim().toLowerCase(Locale.ROOT);
        String status = statusFilter.get();
        String kind = kindFilter.get();
        Predicate<UserView> predicate = user -> (text.isEmpty() || user.user().toLowerCase(Locale.ROOT).contains(text))
                && (status == null || status.equals(ANY) || status.equals(user.status().sql()))
                && (kind == null || kind.equals(ANY) || (kind.equals("with findings") ? user.findings() > 0
                : user.findingKinds().containsKey(kind)));
        visibleUsers.setPredicate(predicate);
    }

    private void updateShown() {
        shown.set("Showing " + Formats.count(visibleUsers.size()) + " of " + Formats.count(users.size()) + " users");
    }

    private void loadDetail(UserView user) {
        Workspace workspace = state.workspace();
        long request = ++detailRequest;
        if (user == null || workspace == null) {
            detail.set(null);
            userParity.set("");
            detailStatus.set("Select a user to see their legacy rows, planned rows, findings and SQL.");
            return;
        }
        detailStatus.set("Reading user " + user.user() + "…");
        state.executor().execute(BackgroundTask.of("preview user", () -> new UserDetail(new Preview(workspace).of(user.user()),
                        new Parity(workspace).user(user.user())))
                .onSuccess(loaded -> {
                    if (request == detailRequest) {
                        detail.set(loaded.preview());
                        userParity.set(parityText(loaded.parity()));
                        detailStatus.set("User " + user.user() + " · " + loaded.preview().plannedRows() + " planned rows · "
                                + loaded.preview().findings().size() + " finding(s) · status " + user.status().sql().replace('_', ' '));
                    }
                })
                .onFailure(error -> {
                    if (request == detailRequest) {
                        detail.set(null);
                        detailStatus.set("Could not read user " + user.user() + ": " + dev.backfill.ui.Errors.describe(error));
                    }
                }));
    }
}
