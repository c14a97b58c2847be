package dev.backfill.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.db.TargetCatalog;
import dev.backfill.db.UnindexedForeignKey;
import dev.backfill.plan.Plan;
import dev.backfill.plan.PlanLoader;
import dev.backfill.testing.TestPostgres;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every demo's target schema indexes each foreign key into the tables its plan writes, so that a
 * demo's rollback never scans a table per deleted row and its dry run gives no index advice.
 */
class DemoForeignKeyIndexesIT {

    @Test
    void noDemoTargetHasAForeignKeyIntoThePlansTablesWithoutAnIndex() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(DemoForeignKeyIndexesIT.class);
        List<DemoScenario> scenarios = Stream.concat(DemoScenarios.all().stream(),
                Stream.of(RecipesScenario.acrossUsers())).toList();
        List<String> unindexed = new ArrayList<>();
        for (DemoScenario scenario : scenarios) {
            Plan plan = PlanLoader.load(scenario.create(demo, 2));
            try (Connection target = TestPostgres.connect(demo.database(scenario.targetDatabase()))) {
                for (UnindexedForeignKey key : TargetCatalog.unindexedForeignKeys(target, plan)) {
                    unindexed.add(scenario.name() + ": " + key.statement());
                }
            }
        }
        assertThat(scenarios).extracting(DemoScenario::name)
                .contains("parts", "community", "recipes", "appstate", "d1", "jobs", "profiles");
        assertThat(unindexed).isEmpty();
    }
}
