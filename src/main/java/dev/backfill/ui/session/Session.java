package dev.backfill.ui.session;

import dev.backfill.db.Connections;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenario;
import dev.backfill.engine.Progress;
import dev.backfill.engine.Workspace;
import dev.backfill.plan.ConnectionSpec;
import dev.backfill.plan.InvalidPlanException;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.plan.SecretRef;
import dev.backfill.ui.AppState;
import dev.backfill.ui.Preferences;
import dev.backfill.ui.task.BackgroundTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Opening plans, connecting, and preparing the built-in demo: the work behind the start page and the File menu. */
public final class Session {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Session.class);
    private final AppState state;
    private final Preferences preferences;
    private final DemoEnvironment demo;

    /** {@code demo}: where the built-in demo lives (its folder and embedded server). */
    public Session(AppState state, Preferences preferences, DemoEnvironment demo) {
        this.state = state;
        this.preferences = preferences;
        this.demo = demo;
    }

    public Preferences preferences() {
        return preferences;
    }

    /** Reads and validates a plan; connects at once unless a password it names is still missing. */
    public void openPlan(Path file, Runnable onOpened) {
        state.activityProperty().set("Opening " + file.getFileName());
        state.executor().execute(BackgroundTask.of("open plan", () -> PlanLoader.load(file))
                .onSuccess(plan -> {
                    state.planErrors().clear();
                    state.planFileProperty().set(file);
                    state.planProperty().set(plan);
                    state.replaceWorkspace(null);
                    preferences.rememberPlan(file);
                    if (missingSecrets(plan).isEmpty()) {
                        connect(onOpened);
                    } else {
                        state.activityProperty().set("Passwords needed: " + missingSecrets(plan));
                        onOpened.run();
                    }
                })
                .onFailure(error -> {
                    state.planFileProperty().set(file);
                    state.planProperty().set(null);
                    state.replaceWorkspace(null);
                    state.planErrors().setAll(error instanceof InvalidPlanException invalid ? invalid.errors() : List.of());
                    state.activityProperty().set("");
                    if (!(error instanceof InvalidPlanException)) {
                        state.fail("Could not open the plan " + file, error);
                    }
                    onOpened.run();
                }));
    }

    /** The secret references of the plan that neither the environment nor this session supplies. */
    public List<SecretRef> missingSecrets(Plan plan) {
        List<SecretRef> missing = new ArrayList<>();
        for (ConnectionSpec spec : List.of(plan.source(), plan.target())) {
            if (spec instanceof ConnectionSpec.Postgres postgres && postgres.password() != null
                    && !state.secrets().has(postgres.password()) && !missing.contains(postgres.password())) {
                missing.add(postgres.password());
            }
        }
        return missing;
    }

    /** Opens the workspace of the current plan (pools, control schema) in the background. */
    public void connect(Runnable onConnected) {
        Plan plan = state.plan();
        if (plan == null) {
            return;
        }
        state.activityProperty().set("Connecting to " + plan.target().describe());
        state.executor().execute(BackgroundTask.of("connect", () -> Workspace.open(plan, state.secrets()))
                .onSuccess(workspace -> {
                    state.replaceWorkspace(workspace);
                    state.activityProperty().set("");
                    state.dataChanged();
                    onConnected.run();
                })
                .onFailure(error -> {
                    state.activityProperty().set("");
                    state.fail("Could not connect", error);
                    onConnected.run();
                }));
    }

    /** Checks one side's connection without keeping it; reports the driver's message on failure. */
    public void test(ConnectionSpec spec, boolean readOnly, String purpose, Consumer<String> result) {
        state.executor().execute(BackgroundTask.of("test " + purpose, () -> {
            if (!spec.isPostgres()) {
                java.nio.file.Path file = spec instanceof ConnectionSpec.Sqlite sqlite ? sqlite.file() : ((ConnectionSpec.JsonLines) spec).file();
                if (!java.nio.file.Files.isReadable(file)) {
                    throw new IllegalStateException("cannot read " + file);
                }
                return "File readable (opened read-only)";
            }
            try (var pool = Connections.pool(spec, state.secrets(), readOnly, 1, purpose)) {
                Connections.verify(pool, spec, purpose);
            }
            return readOnly ? "Connected, read-only" : "Connected";
        }).onSuccess(result).onFailure(error -> result.accept("Failed: " + dev.backfill.ui.Errors.describe(error))));
    }

    /** Generates a demo (embedded PostgreSQL, legacy data, empty target, plan) and opens its plan. */
    public void startDemo(DemoScenario scenario, int users, Consumer<String> status, Runnable onOpened) {
        state.activityProperty().set("Preparing the '" + scenario.name() + "' demo");
        long started = System.nanoTime();
        state.executor().execute(BackgroundTask.<Path>of("demo", (progress, cancelled) -> {
            progress.accept(new Progress("Starting the embedded PostgreSQL", 0, 3, 0, 0, null));
            demo.port();
            progress.accept(new Progress("Generating " + users + " users of legacy data", 1, 3, 0, 0, null));
            Path plan = scenario.create(demo, users);
            progress.accept(new Progress("Opening the plan", 2, 3, 0, 0, null));
            return plan;
        }).onProgress(p -> status.accept(p.phase() + "…"))
                .onSuccess(plan -> openPlan(plan, () -> {
                    LOG.info("Demo '{}' with {} users open {} s after Start", scenario.name(), users,
                            String.format("%.1f", (System.nanoTime() - started) / 1e9));
                    onOpened.run();
                }))
                .onFailure(error -> {
                    state.activityProperty().set("");
                    status.accept("");
                    state.fail("The demo could not be prepared", error);
                }));
    }
}
