package dev.backfill.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A rollback preview names a table once per entity; entities sharing a table are told apart. */
class TableChangeTest {

    @Test
    void entitiesWritingTheSameTableAreNamedNextToIt() {
        RollbackStore.TableChange romantic = new RollbackStore.TableChange("romantic_intent", "ContextIntent", 4, 0);
        RollbackStore.TableChange service = new RollbackStore.TableChange("service_intent", "ContextIntent", 5, 0);
        RollbackStore.TableChange profiles = new RollbackStore.TableChange("profiles", "ProfileNew", 10, 0);
        List<RollbackStore.TableChange> all = List.of(romantic, service, profiles);

        assertThat(all).extracting(change -> change.label(all))
                .containsExactly("ContextIntent (romantic_intent)", "ContextIntent (service_intent)", "ProfileNew");
    }
}
