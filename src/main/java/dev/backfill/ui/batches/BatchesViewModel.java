package dev.backfill.ui.batches;

import dev.backfill.control.UserView;
import dev.backfill.control.ChunkStore;
import dev.backfill.engine.Apply;
import dev.backfill.engine.ApplyListener;
import dev.backfill.engine.Approvals;
import dev.backfill.engine.Progress;
import dev.backfill.engine.ProgressText;
import dev.backfill.engine.Rollback;
import dev.backfill.engine.Workspace;
import dev.backfill.lifecycle.BatchQueue;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.ui.AppState;
import dev.backfill.ui.Errors;
import dev.backfill.ui.common.Formats;
import dev.backfill.ui.task.BackgroundTask;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/** The operator's screen: the queue, approvals, apply with its live log, pause, resume, rollback. */
public final class BatchesViewModel {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final int LOG_LINES = 2_000;
    private static final String NO_BATCH_SELECTED = "Users of the selected batch that were not applied";

    /** One line of the live log. */
    public record LogLine(String time, String text, boolean problem) {}

    /** What approving the next batch means, shown before the operator confirms. */
    public record ApprovalPreview(BatchView batch, List<UserView> users) {}

    private final AppState state;
    private final ObjectProperty<BatchQueue> queue = new SimpleObjectProperty<>(new BatchQueue("", List.of()));
    private final ObservableList<BatchView> batches = FXCollections.observableArrayList();
    private final ObjectProperty<BatchView> selected = new SimpleObjectProperty<>();
    private final ObservableList<BatchProblem> problems = FXCollections.observableArrayList();
    private final ObjectProperty<BatchProblem> selectedProblem = new SimpleObjectProperty<>();
    private final StringProperty problemsHint = new SimpleStringProperty(NO_BATCH_SELECTED);
    private final BooleanProperty reviewing = new SimpleBooleanProperty();
    private final ObservableList<LogLine> log = FXCollections.observableArrayList();
    private final BooleanProperty applying = new SimpleBooleanProperty();
    private final BooleanProperty pausing = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty progressText = new SimpleStringProperty("");
    private final StringProperty queueSummary = new SimpleStringProperty("");
    private final ObservableList<ChunkStore.WorkerView> writers = FXCollections.observableArrayList();
    private final StringProperty writersTitle = new SimpleStringProperty("Writers");
    private long writersLoadedAt;

    public BatchesViewModel(AppState state) {
        this.state = state;
        state.dataVersionProperty().addListener((o, old, version) -> reload());
        selected.addListener((o, old, batch) -> loadProblems(batch));
        reload();
    }

    public ObservableList<BatchView> batches() {
        return batches;
    }

    /** Whether "Approve next batch" can do anything now: the lifecycle decides, as for the CLI. */
    public BooleanBinding approveNextAllowed() {
        return Bindings.createBooleanBinding(() -> !applying.get() && queue.get().approveNext(1).allowed(), queue, applying);
    }

    /** Whether "Approve next N" can approve at least one batch. */
    public BooleanBinding approveSeveralAllowed() {
        return Bindings.createBooleanBinding(() -> !applying.get() && queue.get().approveNext(2).allowed(), queue, applying);
    }

    /** Whether the selected batch can be approved again on its own (it holds users back). */
    public BooleanBinding approveSelectedAllowed() {
        return Bindings.createBooleanBinding(() -> {
            BatchView batch = selected.get();
            return batch != null && !applying.get() && batch.state() == BatchState.HELD_BACK
                    && queue.get().allows(BatchQueue.Action.APPROVE, batch);
        }, queue, selected, applying);
    }

    /** Whether apply (or resume) can start. */
    public BooleanBinding applyAllowed() {
        return Bindings.createBooleanBinding(() -> !applying.get() && queue.get().applyNext().allowed(), queue, applying);
    }

    /** Whether the next apply resumes a batch left mid-apply. */
    public BooleanBinding resumes() {
        return Bindings.createBooleanBinding(() -> queue.get().nextToApply().map(b -> b.state() == BatchState.APPLYING).orElse(false),
                queue);
    }

    public BooleanBinding rollbackSelectedAllowed() {
        return Bindings.createBooleanBinding(() -> {
            BatchView batch = selected.get();
            return batch != null && !applying.get() && queue.get().allows(BatchQueue.Action.ROLL_BACK, batch);
        }, queue, selected, applying);
    }

    public ObjectProperty<BatchView> selectedProperty() {
        return selected;
    }

    /**
     * Users of the selected batch that failed or whose source changed, with the reason, and its users' waiting
     * rows that the target refused.
     */
    public ObservableList<BatchProblem> problems() {
        return problems;
    }

    public ObjectProperty<BatchProblem> selectedProblemProperty() {
        return selectedProblem;
    }

    /** What the held-back users of the selected batch need before it can be approved again. */
    public ReadOnlyStringProperty problemsHintProperty() {
        return problemsHint;
    }

    /** Whether the selected held-back user can be reviewed again now (its rows changed since review). */
    public BooleanBinding reviewAgainAllowed() {
        return Bindings.createBooleanBinding(() -> selectedProblem.get() != null && selectedProblem.get().heldBack() != null
                && selectedProblem.get().heldBack().status().needsReview()
                && !applying.get() && !reviewing.get(), selectedProblem, applying, reviewing);
    }

    /**
     * Reviews one held-back user again (a dry run of that user alone, as 'dry-run --user'): its new
     * findings show the rows the live app wrote, and the batch can then be approved again.
     */
    public void reviewAgain() {
        Workspace workspace = state.workspace();
        UserView user = selectedProblem.get() == null ? null : selectedProblem.get().heldBack();
        if (workspace == null || user == null) {
            return;
        }
        reviewing.set(true);
        state.activityProperty().set("Reviewing user " + user.user() + " again");
        state.executor().execute(BackgroundTask.of("review user", () -> new dev.backfill.engine.DryRun(workspace)
                        .run(dev.backfill.engine.DryRun.Options.single(user.user()), dev.backfill.engine.ProgressListener.NONE,
                                new dev.backfill.engine.Cancellation()))
                .onSuccess(result -> line("User " + user.user() + " reviewed again: " + result.findingCount() + " finding(s) (Dry run"
                        + " shows them); approve the batch again to apply it.", false))
                .onFailure(error -> state.fail("User " + user.user() + " was not reviewed again", error))
                .onFinished(() -> {
                    reviewing.set(false);
                    state.activityProperty().set("");
                    state.dataChanged();
                }));
    }

    public ObservableList<LogLine> log() {
        return log;
    }

    public ReadOnlyBooleanProperty applyingProperty() {
        return applying;
    }

    public ReadOnlyBooleanProperty pausingProperty() {
        return pausing;
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress;
    }

    public ReadOnlyStringProperty progressTextProperty() {
        return progressText;
    }

    public ReadOnlyStringProperty queueSummaryProperty() {
        return queueSummary;
    }

    /** The processes writing this plan's batches (this one, and workers on other machines), with their rates. */
    public ObservableList<ChunkStore.WorkerView> writers() {
        return writers;
    }

    /** "Writers (2 writing)": the tab's title. */
    public ReadOnlyStringProperty writersTitleProperty() {
        return writersTitle;
    }

    /** Reads the writers again, at most every 2 s while an apply reports progress. */
    private void loadWriters(boolean force) {
        Workspace workspace = state.workspace();
        long now = System.nanoTime();
        if (workspace == null || (!force && now - writersLoadedAt < 2_000_000_000L)) {
            return;
        }
        writersLoadedAt = now;
        state.executor().execute(BackgroundTask.of("load writers", () -> workspace.control().writers(Apply.DEFAULT_LEASE_SECONDS))
                .onSuccess(loaded -> {
                    writers.setAll(loaded);
                    long writing = loaded.stream().filter(w -> w.alive() && w.batch() != null).count();
                    writersTitle.set(loaded.isEmpty() ? "Writers" : "Writers (" + writing + " writing)");
                })
                .onFailure(error -> state.fail("Could not read the writers", error)));
    }

    public void reload() {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            batches.clear();
            writers.clear();
            queueSummary.set("");
            return;
        }
        state.executor().execute(BackgroundTask.of("load batches", () -> workspace.control().queue())
                .onSuccess(this::show).onFailure(error -> state.fail("Could not read the batches", error)));
        loadWriters(true);
    }

    private void show(BatchQueue loaded) {
        Integer keep = selected.get() == null ? null : selected.get().number();
        queue.set(loaded);
        batches.setAll(loaded.batches());
        long applied = loaded.batches().stream().filter(b -> b.state() == BatchState.APPLIED).count();
        queueSummary.set(loaded.batches().isEmpty() ? "No batches yet: run the dry run first; it forms them."
                : loaded.everythingApplied() ? loaded.batches().size() + " batch(es): every one is applied."
                : loaded.batches().size() + " batch(es): " + applied + " applied, " + loaded.nextToApprove().map(b -> "batch "
                + b.number() + " is next to approve").orElse("none waiting for approval"));
        if (keep != null) {
            loaded.get(keep).ifPresent(selected::set);
        }
    }

    /** The next new batch in the queue, as the lifecycle names it. */
    public Optional<BatchView> nextToApprove() {
        return queue.get().nextToApprove();
    }

    /** Reads the next batch's users so the operator sees what they approve; says why not when nothing can be approved. */
    public void previewApproval(Consumer<ApprovalPreview> show) {
        var decision = queue.get().approveNext(1);
        if (!decision.allowed()) {
            state.fail("Nothing to approve", new dev.backfill.errors.RefusedException(decision.refusal(), decision.hints()));
            return;
        }
        previewApproval(decision.batch(), show);
    }

    /** Reads a batch's users so the operator sees what they approve. */
    public void previewApproval(BatchView batch, Consumer<ApprovalPreview> show) {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        state.executor().execute(BackgroundTask.of("preview approval", () ->
                        new ApprovalPreview(batch, workspace.control().users().ofBatch(batch.number())))
                .onSuccess(show).onFailure(error -> state.fail("Could not read batch " + batch.number(), error)));
    }

    public void approve(int batch) {
        approveWith(approvals -> approvals.approve(batch, Workspace.actor()));
    }

    public void approveNext(int count) {
        approveWith(approvals -> approvals.approveNext(count, Workspace.actor()));
    }

    private interface Approving {
        Approvals.Approved run(Approvals approvals) throws Exception;
    }

    private void approveWith(Approving action) {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        state.executor().execute(BackgroundTask.of("approve", () -> action.run(new Approvals(workspace)))
                .onSuccess(approved -> {
                    line("Approved batch(es) " + approved.batches() + " (" + approved.users() + " users) as " + Workspace.actor(), false);
                    state.dataChanged();
                })
                .onFailure(error -> state.fail("Not approved", error)));
    }

    /** Applies the next approved batch, or resumes the one left mid-apply. */
    public void apply() {
        apply(false);
    }

    /** Applies every approved batch in queue order; stops after a batch that holds users back or is paused. */
    public void applyAll() {
        apply(true);
    }

    private void apply(boolean all) {
        Workspace workspace = state.workspace();
        if (workspace == null || applying.get()) {
            return;
        }
        Apply.PauseSignal pause = new Apply.PauseSignal();
        long started = System.nanoTime();
        String operation = all ? "Apply of every approved batch" : "Apply";
        applying.set(true);
        pausing.set(false);
        progress.set(-1);
        progressText.set("Starting…");
        state.runningApplyProperty().set(pause);
        state.activityProperty().set((all ? "Applying every approved batch of " : "Applying a batch of ") + workspace.plan().name());
        line(all ? "Apply of every approved batch started" : "Apply started", false);
        state.executor().execute(BackgroundTask.<Applied>of("apply", (report, cancelled) -> {
                    ApplyListener listener = new ApplyListener() {
                            @Override
                            public void onProgress(Progress p) {
                                report.accept(p);
                            }

                            @Override
                            public void onUser(String user, Outcome outcome, int rows, String message) {
                                state.executor().onUiThread(() -> line(user + ": " + outcome.name().toLowerCase().replace('_', ' ')
                                        + (outcome == Outcome.APPLIED ? ", " + rows + " rows" : " — " + message), outcome != Outcome.APPLIED));
                            }

                            @Override
                            public void onNote(String message) {
                                state.executor().onUiThread(() -> line(message, false));
                            }

                            @Override
                            public void onWarning(String message) {
                                state.executor().onUiThread(() -> line(message, true));
                            }
                        };
                    Apply apply = new Apply(workspace);
                    List<Apply.Result> results = all
                            // each batch's end shows in the queue at once, not only when the last one is done
                            ? apply.applyAll(listener, pause, result -> showBatchEnd(workspace, result))
                            : List.of(apply.applyNext(listener, pause));
                    // the queue is read before the outcome is shown, so the table and the status line agree at once
                    return new Applied(results, workspace.control().queue());
                })
                .onProgress(p -> {
                    progress.set(p.fraction());
                    progressText.set(Formats.progress(p));
                    state.activityProperty().set(Formats.progress(p));
                    loadWriters(false);
                })
                .onSuccess(applied -> {
                    show(applied.queue());
                    List<Apply.Result> results = applied.results();
                    Apply.Result last = results.get(results.size() - 1);
                    progress.set(last.paused() ? progress.get() : 1);
                    String text = all ? allSummary(results) : summary(last);
                    progressText.set(text);
                    boolean toReview = results.stream().anyMatch(Apply.Result::toReview);
                    line(text, toReview);
                    state.operationEnded(operation, text, started, !toReview);
                })
                .onFailure(error -> {
                    progressText.set("Apply stopped: " + Errors.describe(error));
                    line("Apply stopped: " + Errors.describe(error), true);
                    state.operationEnded(operation, progressText.get(), started, false);
                    state.fail("Apply stopped", error);
                })
                .onFinished(() -> {
                    applying.set(false);
                    pausing.set(false);
                    state.runningApplyProperty().set(null);
                    state.activityProperty().set("");
                    state.dataChanged();
                }));
    }

    private record Applied(List<Apply.Result> results, BatchQueue queue) {}

    /** On the worker thread, as one batch of an apply-all ends: the queue as it is now, then the batch's line. */
    private void showBatchEnd(Workspace workspace, Apply.Result result) {
        BatchQueue now;
        try {
            now = workspace.control().queue();
        } catch (Exception e) {
            now = null; // best effort: the reload when the whole apply ends shows it
        }
        BatchQueue queueNow = now;
        state.executor().onUiThread(() -> {
            if (queueNow != null) {
                show(queueNow);
            }
            line(summary(result), result.toReview());
        });
    }

    private static String summary(Apply.Result result) {
        return result.nothingToDo() ? "Batch " + result.batch() + " was already applied; nothing to do."
                : String.format("Batch %d %s: %d applied, %d failed, %d with changed source, %d with changed target rows;"
                        + " %s rows in %.1f s (%s rows/s)",
                result.batch(), result.paused() ? "paused (Resume continues it)" : "is " + result.state().name().replace('_', ' '),
                result.applied(), result.failed(), result.sourceChanged(), result.targetChanged(), Formats.count(result.rows()),
                result.seconds(), Formats.count((long) result.rowsPerSecond()))
                + result.referencesNote().map(note -> ". " + note).orElse("");
    }

    private static String allSummary(List<Apply.Result> results) {
        Apply.Result last = results.get(results.size() - 1);
        String stop = last.paused() ? "; batch " + last.batch() + " is paused (Resume continues it)"
                : last.heldBack() > 0 ? "; stopped after batch " + last.batch() + ", which held " + last.heldBack() + " user(s) back"
                : "; no approved batch is left";
        return String.format("Applied %d batch(es), %s rows in %.1f s%s", results.size(),
                Formats.count(results.stream().mapToLong(Apply.Result::rows).sum()), results.stream().mapToDouble(Apply.Result::seconds).sum(),
                stop);
    }

    /** Finishes the users being written, then stops; the batch stays resumable. */
    public void pause() {
        Apply.PauseSignal pause = state.runningApplyProperty().get();
        if (pause != null) {
            pause.request();
            pausing.set(true);
            progressText.set("Pausing after the users being written…");
            line("Pause requested", false);
        }
    }

    public void previewRollback(int batch, Consumer<Rollback.Preview> show) {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        state.executor().execute(BackgroundTask.of("preview rollback", () -> new Rollback(workspace).preview(batch))
                .onSuccess(show).onFailure(error -> state.fail("Could not prepare the rollback", error)));
    }

    /** Rolls the batch back; {@code choice} says what to do with rows the live app changed since apply. */
    public void rollback(int batch, Rollback.DriftChoice choice, Runnable done) {
        Workspace workspace = state.workspace();
        if (workspace == null) {
            return;
        }
        long started = System.nanoTime();
        String operation = "Rollback of batch " + batch;
        progress.set(-1);
        progressText.set("Rolling back batch " + batch + "…");
        state.activityProperty().set("Rolling back batch " + batch);
        state.executor().execute(BackgroundTask.<Rollback.Result>of("rollback", (report, cancelled) ->
                        new Rollback(workspace).run(batch, choice, report::accept))
                .onProgress(p -> {
                    progress.set(p.fraction());
                    progressText.set(Formats.progress(p));
                    state.activityProperty().set(Formats.progress(p));
                })
                .onSuccess(result -> {
                    progress.set(1);
                    String text = String.format("Batch %d rolled back in %.2f s (%s rows, %s): %d user(s) are not migrated any more", batch,
                            result.seconds(), Formats.count(result.rows()), ProgressText.rate(result.rowsPerSecond()), result.users())
                            + (result.keptUsers().isEmpty() ? "" : "; kept migrated (rows changed by the live app): "
                            + String.join(", ", result.keptUsers())) + (result.overwrittenRows() == 0 ? ""
                            : "; " + result.overwrittenRows() + " changed row(s) saved, then overwritten (Export run report lists them)");
                    progressText.set(text);
                    line(text, false);
                    state.operationEnded(operation, text, started, true);
                    done.run();
                })
                .onFailure(error -> {
                    progressText.set("Rollback refused or failed: " + Errors.describe(error));
                    state.operationEnded(operation, progressText.get(), started, false);
                    state.fail("Batch " + batch + " was not rolled back", error);
                })
                .onFinished(() -> {
                    state.activityProperty().set("");
                    state.dataChanged();
                }));
    }

    private void loadProblems(BatchView batch) {
        Workspace workspace = state.workspace();
        if (batch == null || workspace == null) {
            problems.clear();
            problemsHint.set(NO_BATCH_SELECTED);
            return;
        }
        problemsHint.set(batch.usersToReview() > 0 ? "Batch " + batch.number() + ": " + batch.usersToReview() + " user(s) changed after"
                + " review. Review each again, then Approve selected again."
                : batch.state() == BatchState.HELD_BACK ? "Batch " + batch.number() + " holds these users back: fix the cause, then"
                + " Approve selected again" : "Batch " + batch.number() + ": users not applied, and waiting rows the target refused");
        state.executor().execute(BackgroundTask.of("batch users", () -> {
                    List<BatchProblem> found = new java.util.ArrayList<>();
                    workspace.control().users().heldBack(batch.number()).forEach(user -> found.add(BatchProblem.of(user)));
                    workspace.control().refusedOfBatch(batch.number()).forEach(row -> found.add(BatchProblem.of(row, batch.number())));
                    return found;
                })
                .onSuccess(problems::setAll).onFailure(error -> state.fail("Could not read the batch's users", error)));
    }

    private void line(String text, boolean problem) {
        log.add(new LogLine(CLOCK.format(LocalTime.now()), text, problem));
        if (log.size() > LOG_LINES) {
            log.remove(0, log.size() - LOG_LINES);
        }
    }
}
