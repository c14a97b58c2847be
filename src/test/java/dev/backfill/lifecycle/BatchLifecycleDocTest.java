package dev.backfill.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The lifecycle the operations guide shows is the one the code enforces. */
class BatchLifecycleDocTest {
    private static final Path GUIDE = Path.of("src", "site", "markdown", "operations.md");
    private static final Pattern TRANSITION = Pattern.compile("^\\| `([A-Z_]+)` \\| `([A-Z_]+)` \\| `([A-Z_]+)` \\|");
    private static final Pattern STATE = Pattern.compile("^\\| `([A-Z_]+)` \\| [^`|]");

    @Test
    void theTransitionTableInTheGuideIsExactlyTheTransitionsInTheCode() throws IOException {
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(GUIDE, StandardCharsets.UTF_8)) {
            Matcher row = TRANSITION.matcher(line);
            if (row.find()) {
                documented.add(row.group(1) + " --" + row.group(2) + "--> " + row.group(3));
            }
        }
        Set<String> coded = new TreeSet<>();
        BatchState.TRANSITIONS.forEach((from, events) -> events.forEach((event, to) -> coded.add(from + " --" + event + "--> " + to)));

        assertThat(documented).isEqualTo(coded);
    }

    @Test
    void theGuideExplainsEveryBatchStateAndEveryUserStatus() throws IOException {
        String guide = Files.readString(GUIDE, StandardCharsets.UTF_8);
        Set<String> states = new TreeSet<>();
        for (String line : guide.split("\n")) {
            Matcher row = STATE.matcher(line);
            if (row.find() && !TRANSITION.matcher(line).find()) {
                states.add(row.group(1));
            }
        }
        assertThat(states).containsAll(Arrays.stream(BatchState.values()).map(Enum::name).toList());
        for (UserStatus status : UserStatus.values()) {
            assertThat(guide).contains("| `" + status.sql() + "` |");
        }
    }

    @Test
    void everyStateCanBeLeftOrIsTheEndOfAFullyAppliedBatch() {
        for (BatchState state : BatchState.values()) {
            if (state != BatchState.APPLIED) {
                assertThat(BatchState.TRANSITIONS.get(state)).as("ways out of %s", state).isNotEmpty();
            }
        }
        assertThat(BatchState.APPLIED.next(BatchEvent.ROLL_BACK)).contains(BatchState.ROLLED_BACK);
    }
}
