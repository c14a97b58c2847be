package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.demo.DemoEnvironment;
import dev.backfill.demo.PartsScenario;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.TestPostgres;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Parity and rollback print the progress line of the dry run and apply: steps, rows, rate, and the time left. */
class ProgressLineIT {
    private Path plan;

    @BeforeEach
    void applyABatch() throws Exception {
        DemoEnvironment demo = TestPostgres.demo(ProgressLineIT.class);
        plan = new PartsScenario().create(demo, 30);
        assertThat(InProcessCli.run("dry-run", plan.toString()).exit()).isEqualTo(ExitCodes.FINDINGS);
        assertThat(InProcessCli.run("approve", plan.toString(), "--next").exit()).isEqualTo(ExitCodes.OK);
        InProcessCli.Result apply = InProcessCli.run("apply", plan.toString(), "--next");
        assertThat(apply.exit()).as(apply.printed()).isEqualTo(ExitCodes.OK);
    }

    @Test
    void parityPrintsEntitiesComparedWithRateAndTimeLeft() {
        InProcessCli.Result parity = InProcessCli.run("parity", plan.toString());

        assertThat(parity.exit()).as(parity.printed()).isEqualTo(ExitCodes.OK);
        List<String> lines = parity.err().lines().toList();
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("Comparing rows, entity 1 of 3 \\(parts\\): 1 / 3 entities · [\\d,]+ rows · [\\d,]+ rows/s · ETA (< 1 s|\\d+ s)"));
        assertThat(lines.get(lines.size() - 1)).matches("Comparing rows, entity 3 of 3 \\(\\w+\\): 3 / 3 entities · [\\d,]+ rows · [\\d,]+ rows/s");
    }

    @Test
    void parityCountAllCountsTheChecksTheConstraintsGuarantee() {
        InProcessCli.Result trusting = InProcessCli.run("parity", plan.toString());
        InProcessCli.Result counting = InProcessCli.run("parity", plan.toString(), "--count-all");

        assertThat(counting.exit()).as(counting.printed()).isEqualTo(ExitCodes.OK);
        assertThat(trusting.out()).contains("no orphan relationships (0, guaranteed by part_relationships_v2_part_a_id_fkey,")
                .contains("(guaranteed by foreign key part_relationships_v2_part_a_id_fkey)");
        assertThat(counting.out()).contains("no orphan relationships (actual 0, expected 0)")
                .contains("no orphan part_relationships_v2.part_a_id -> parts_v2 (0 row(s) point at no parts_v2 row)")
                .doesNotContain("guaranteed");
    }

    @Test
    void rollbackPrintsRowsUndoneWithRateAndTimeLeftAndSaysItsRate() {
        InProcessCli.Result rollback = InProcessCli.run("rollback", plan.toString(), "--batch", "1", "--yes");

        assertThat(rollback.exit()).as(rollback.printed()).isEqualTo(ExitCodes.OK);
        Matcher done = Pattern.compile("Batch 1 rolled back in [\\d.]+ s \\(([\\d,]+) rows, [\\d,]+ rows/s\\)").matcher(rollback.out());
        assertThat(done.find()).as(rollback.out()).isTrue();
        String rows = done.group(1);
        assertThat(Long.parseLong(rows.replace(",", ""))).isPositive();
        List<String> lines = rollback.err().lines().toList();
        assertThat(lines).as(rollback.err()).anySatisfy(line -> assertThat(line)
                .matches("Rolling back batch 1, table [12] of 3 \\(\\w+\\): [\\d,]+ / [\\d,]+ rows · [\\d,]+ rows/s · ETA (< 1 s|\\d+ s)"));
        assertThat(lines.get(lines.size() - 1))
                .matches("Rolling back batch 1, table 3 of 3 \\(\\w+\\): " + rows + " / " + rows + " rows · [\\d,]+ rows/s");
    }
}
