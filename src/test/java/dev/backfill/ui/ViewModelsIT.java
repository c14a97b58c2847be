package dev.backfill.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backfill.lifecycle.BatchState;
import dev.backfill.lifecycle.BatchView;
import dev.backfill.control.UserView;
import dev.backfill.db.Secrets;
import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.DemoScenarios;
import dev.backfill.demo.PartsScenario;
import dev.backfill.engine.Rollback;
import dev.backfill.mapping.FindingKind;
import dev.backfill.mapping.Json;
import dev.backfill.parity.EntityParity;
import dev.backfill.parity.ParityStatus;
import dev.backfill.testing.Tables;
import dev.backfill.testing.TestPostgres;
import dev.backfill.ui.batches.BatchesViewModel;
import dev.backfill.ui.conflicts.ConflictsViewModel;
import dev.backfill.ui.connections.ConnectionsViewModel;
import dev.backfill.ui.dryrun.DryRunViewModel;
import dev.backfill.ui.parity.ParityViewModel;
import dev.backfill.ui.plan.ColumnRow;
import dev.backfill.ui.plan.PlanViewModel;
import dev.backfill.ui.session.Session;
import dev.backfill.ui.start.StartViewModel;
import dev.backfill.ui.task.ImmediateTaskExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workbench's view models, without a stage: the start page's demo, then an operator's day on
 * it (dry run, findings, export, approve, apply, parity, rollback), on the real embedded database.
 * Tasks run at once on the test thread, so each step's effect is visible on the next line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ViewModelsIT {
    private static final int USERS = 30;
    private static AppState state;
    private static Session session;
    private static DemoEnvironment demo;
    private static final List<String> errors = new ArrayList<>();
    private static DryRunViewModel dryRun;
    private static ConflictsViewModel conflicts;
    private static BatchesViewModel batches;
    private static ParityViewModel parity;

    @BeforeAll
    static void openTheDemoFromTheStartPage() {
        state = new AppState(new ImmediateTaskExecutor(), new Secrets(Map.of()));
        state.lastErrorProperty().addListener((o, old, message) -> {
            if (message != null) {
                errors.add(message);
            }
        });
        Preferences preferences = new Preferences("dev/backfill/workbench-test/" + ViewModelsIT.class.getSimpleName());
        preferences.clear();
        demo = TestPostgres.demo(ViewModelsIT.class);
        session = new Session(state, preferences, demo);
        dryRun = new DryRunViewModel(state);
        conflicts = new ConflictsViewModel(state);
        batches = new BatchesViewModel(state);
        parity = new ParityViewModel(state);
        StartViewModel start = new StartViewModel(session);
        start.scenarioProperty().set(DemoScenarios.named("parts").orElseThrow());
        start.usersProperty().set(USERS);
        start.startDemo();
        assertThat(errors).isEmpty();
        assertThat(state.workspace()).isNotNull();
        assertThat(start.busyProperty().get()).isFalse();
        assertThat(start.recentPlans()).extracting(p -> p.getFileName().toString()).containsExactly("parts.plan.yaml");
    }

    @AfterAll
    static void close() {
        state.replaceWorkspace(null);
    }

    @Test
    @Order(1)
    void thePlanScreenListsEntitiesInDependencyOrderWithTheirMappings() {
        PlanViewModel plan = new PlanViewModel(state);
        assertThat(plan.entities()).extracting(e -> e.name()).containsExactly("parts", "sessions", "relationships");
        plan.selectedProperty().set(plan.entities().get(0));
        assertThat(plan.columns()).extracting(ColumnRow::column).startsWith("id", "user_id", "name");
        assertThat(plan.columns()).filteredOn(c -> c.column().equals("charge")).extracting(ColumnRow::transforms)
                .containsExactly("default \"neutral\"");
        assertThat(plan.columns()).filteredOn(c -> c.column().equals("created_at")).extracting(ColumnRow::type)
                .containsExactly("timestamptz");
    }

    @Test
    @Order(2)
    void theConnectionsScreenShowsBothSidesConnectedAndTheSourceReadOnly() {
        ConnectionsViewModel connections = new ConnectionsViewModel(state, session);
        assertThat(connections.source().stateProperty().get()).isEqualTo("Connected, read-only");
        assertThat(connections.target().stateProperty().get()).isEqualTo("Connected");
        assertThat(connections.source().needsPasswordProperty().get()).isFalse();
    }

    @Test
    @Order(3)
    void aDryRunFillsTheUserTableAndFiltersFindTheUsersWithAKindOfFinding() {
        dryRun.run();
        assertThat(errors).isEmpty();
        assertThat(dryRun.progressTextProperty().get()).contains("30 users", "7 findings", "target tables untouched");
        assertThat(dryRun.allUsers()).hasSize(USERS);
        dryRun.kindFilterProperty().set(FindingKind.DUPLICATE_KEY.name());
        assertThat(dryRun.visibleUsers()).hasSize(2).allSatisfy(u -> assertThat(u.findingKinds()).containsKey("DUPLICATE_KEY"));
        assertThat(dryRun.shownProperty().get()).isEqualTo("Showing 2 of 30 users");
        dryRun.kindFilterProperty().set(DryRunViewModel.ANY);
        dryRun.searchProperty().set(dryRun.allUsers().get(3).user().substring(0, 8));
        assertThat(dryRun.visibleUsers()).extracting(UserView::user).contains(dryRun.allUsers().get(3).user());
        dryRun.searchProperty().set("");
    }

    @Test
    @Order(4)
    void selectingAUserShowsTheirRowsFindingsSqlAndParity() {
        UserView duplicate = dryRun.allUsers().stream().filter(u -> u.findingKinds().containsKey("DUPLICATE_KEY"))
                .filter(u -> u.findingKinds().size() == 1).findFirst().orElseThrow();
        dryRun.selectedProperty().set(duplicate);
        var detail = dryRun.detailProperty().get();
        assertThat(detail.user()).isEqualTo(duplicate.user());
        assertThat(detail.findings()).extracting(f -> f.kind().name()).containsExactly("DUPLICATE_KEY");
        assertThat(detail.sql()).startsWith("-- What apply runs for user " + duplicate.user()).contains("COPY \"parts_v2\"")
                .as("the control statements apply runs with it, named as they run").contains("\"backfill\".\"batch_counts\" ... ON CONFLICT");
        assertThat(dryRun.userParityProperty().get()).isEqualTo("PENDING");
    }

    @Test
    @Order(5)
    void theConflictsScreenFiltersCountsAndExportsWhatItShows(@TempDir Path folder) throws Exception {
        assertThat(conflicts.counts()).extracting(ConflictsViewModel.KindCount::count).containsExactly(2, 1, 1, 2, 1);
        conflicts.kindProperty().set("MISSING_REQUIRED");
        conflicts.refresh();
        assertThat(conflicts.findings()).hasSize(2).allSatisfy(f -> assertThat(f.kind()).isEqualTo(FindingKind.MISSING_REQUIRED));
        AtomicReference<String> done = new AtomicReference<>();
        conflicts.export(folder.resolve("missing.json"), done::set);
        assertThat(done.get()).startsWith("Wrote 2 finding(s) (the current filter) to");
        JsonNode report = Json.parse(Files.readString(folder.resolve("missing.json")));
        assertThat(report.get("summary").get("total").asInt()).isEqualTo(2);
        assertThat(report.get("filter").get("kinds").get(0).asText()).isEqualTo("MISSING_REQUIRED");
        List<String> exported = new ArrayList<>();
        report.get("findings").forEach(f -> exported.add(f.get("user").asText() + "/" + f.get("field").asText()));
        assertThat(exported).containsExactlyElementsOf(conflicts.findings().stream().map(f -> f.user() + "/" + f.field()).toList());
        conflicts.clearFilter();
        assertThat(conflicts.findings()).hasSize(7);
    }

    @Test
    @Order(6)
    void approvingApplyingAndRollingBackTheFirstBatchLeavesTheTargetAsItWas() throws Exception {
        Map<String, List<String>> before;
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            before = Tables.snapshot(connection, "public");
        }
        AtomicReference<BatchesViewModel.ApprovalPreview> preview = new AtomicReference<>();
        batches.previewApproval(preview::set);
        assertThat(preview.get().batch().number()).isEqualTo(1);
        assertThat(preview.get().users()).hasSize(10);
        assertThat(batches.applyAllowed().get()).as("nothing approved yet: Apply is disabled").isFalse();
        batches.approve(1);
        assertThat(batch(1).state()).isEqualTo(BatchState.APPROVED);
        assertThat(batches.applyAllowed().get()).isTrue();
        assertThat(batches.nextToApprove()).map(BatchView::number).contains(2);

        batches.apply();
        assertThat(errors).isEmpty();
        assertThat(batch(1).state()).isEqualTo(BatchState.APPLIED);
        assertThat(batches.log()).extracting(BatchesViewModel.LogLine::text).filteredOn(t -> t.contains(": applied, ")).hasSize(10);
        assertThat(batches.progressTextProperty().get()).startsWith("Batch 1 is APPLIED: 10 applied, 0 failed");
        assertThat(parity.entities()).allSatisfy(e -> {
            assertThat(e.status()).isEqualTo(ParityStatus.PENDING);
            assertThat(e.usersChecked()).isEqualTo(10);
            assertThat(e.usersMismatched()).isZero();
        });
        dryRun.selectedProperty().set(null);
        dryRun.selectedProperty().set(user(preview.get().users().get(0).user()));
        assertThat(dryRun.userParityProperty().get()).isEqualTo("OK");

        batches.rollback(1, Rollback.DriftChoice.REFUSE, () -> { });
        assertThat(batch(1).state()).isEqualTo(BatchState.ROLLED_BACK);
        try (Connection connection = TestPostgres.connect(demo.database(PartsScenario.TARGET_DB))) {
            assertThat(Tables.snapshot(connection, "public")).isEqualTo(before);
        }
        dryRun.selectedProperty().set(null);
        dryRun.selectedProperty().set(user(preview.get().users().get(0).user()));
        assertThat(dryRun.userParityProperty().get()).isEqualTo("PENDING");
        assertThat(parity.entities()).extracting(EntityParity::usersChecked).containsOnly(0L);
    }

    @Test
    @Order(7)
    void approvingAheadOfAnApprovedBatchIsRefusedWithAReason() {
        batches.approve(1);
        assertThat(errors).isEmpty();
        assertThat(batch(1).state()).isEqualTo(BatchState.APPROVED);
        batches.approveNext(1);
        assertThat(errors).singleElement().asString().contains("Batch 1 is approved and not applied yet");
    }

    private static BatchView batch(int number) {
        return batches.batches().stream().filter(b -> b.number() == number).findFirst().orElseThrow();
    }

    private static UserView user(String key) {
        return dryRun.allUsers().stream().filter(u -> u.user().equals(key)).findFirst().orElseThrow();
    }
}
