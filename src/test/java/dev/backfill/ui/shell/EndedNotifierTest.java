package dev.backfill.ui.shell;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.ui.OperationEnded;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Who is told that an operation ended: a person away from the window, after a long one. */
class EndedNotifierTest {
    private static final OperationEnded LONG_DRY_RUN = new OperationEnded("Dry run", "Dry run 3: 200 users", Duration.ofSeconds(12), true);

    @Test
    void aLongOperationIsToldToAPersonInAnotherWindow() {
        assertThat(EndedNotifier.worthTelling(LONG_DRY_RUN, EndedNotifier.LONG, false, false)).isTrue();
    }

    @Test
    void aLongOperationIsToldToAPersonWhoMinimizedTheWindow() {
        assertThat(EndedNotifier.worthTelling(LONG_DRY_RUN, EndedNotifier.LONG, true, true)).isTrue();
    }

    @Test
    void aPersonLookingAtTheWindowSawItEnd() {
        assertThat(EndedNotifier.worthTelling(LONG_DRY_RUN, EndedNotifier.LONG, true, false)).isFalse();
    }

    @Test
    void aShortOperationIsNotTold() {
        OperationEnded quick = new OperationEnded("Parity", "OK", Duration.ofMillis(9_999), true);

        assertThat(EndedNotifier.worthTelling(quick, EndedNotifier.LONG, false, true)).isFalse();
    }

    @Test
    void theHeadlineSaysWhetherItEndedWell() {
        assertThat(EndedNotifier.headline(LONG_DRY_RUN)).isEqualTo("Dry run finished");
        assertThat(EndedNotifier.headline(new OperationEnded("Apply", "Batch 2 is HELD BACK", Duration.ofSeconds(30), false)))
                .isEqualTo("Apply ended with problems");
    }
}
