package dev.backfill.plan;

import java.math.BigDecimal;
import java.util.List;

/**
 * An extra verification shown in parity: {@code sql} runs on the target and returns one number,
 * compared with what {@code expect} says, within {@code tolerance}. {@code guaranteedBy}: the target's
 * constraints that the DBA states make the check hold (only with {@code expect: 0}); while every one of
 * them is in force, parity reports the check as guaranteed without running its query.
 */
public record CheckSpec(String name, String sql, Expectation expect, BigDecimal tolerance, List<String> guaranteedBy, Location at) {

    public CheckSpec {
        guaranteedBy = List.copyOf(guaranteedBy);
    }

    public sealed interface Expectation {
        /** A fixed number, e.g. {@code expect: 0}. */
        record Value(BigDecimal value) implements Expectation {}

        /** The number another query returns, on the source or the target database. */
        record Query(String sql, Side on) implements Expectation {}

        /**
         * A total over the legacy records of the users migrated so far: their count, or the sum of a
         * field. Computed during the dry run per user, so it is exact at any point of the migration.
         */
        record LegacyTotal(String entity, FieldPath sum) implements Expectation {}
    }

    public enum Side { SOURCE, TARGET }
}
