package dev.backfill.parity;

import java.math.BigDecimal;

/**
 * One verification: a plan check, an orphan check on a reference, or a duplicate check.
 *
 * @param expected null when the check could not run (then {@code detail} says why)
 */
public record CheckParity(String name, Kind kind, BigDecimal expected, BigDecimal actual, BigDecimal tolerance,
                          ParityStatus status, String detail) {

    public enum Kind { PLAN_CHECK, ORPHANS, DUPLICATES }
}
