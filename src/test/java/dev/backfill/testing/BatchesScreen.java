package dev.backfill.testing;

import dev.backfill.db.Secrets;
import dev.backfill.engine.Workspace;
import dev.backfill.ui.AppState;
import dev.backfill.ui.batches.BatchesViewModel;
import dev.backfill.ui.task.ImmediateTaskExecutor;
import java.util.Map;

/** The workbench's Batches screen (its view model) over an open workspace, its background tasks run at once. */
public final class BatchesScreen {

    private BatchesScreen() {}

    /** The screen with batch {@code number} selected, as an operator clicks it: its hint and problems loaded. */
    public static BatchesViewModel showing(Workspace workspace, int number) {
        AppState state = new AppState(new ImmediateTaskExecutor(), new Secrets(Map.of()));
        state.replaceWorkspace(workspace);
        BatchesViewModel batches = new BatchesViewModel(state);
        batches.selectedProperty().set(batches.batches().stream().filter(b -> b.number() == number).findFirst().orElseThrow());
        return batches;
    }
}
