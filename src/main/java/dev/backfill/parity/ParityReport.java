package dev.backfill.parity;

import dev.backfill.control.UserCounts;
import java.time.OffsetDateTime;
import java.util.List;

/** Parity between legacy, plan and target, at one moment. */
public record ParityReport(OffsetDateTime at, double seconds, UserCounts users, List<EntityParity> entities,
                           List<CheckParity> checks) {

    public ParityReport {
        entities = List.copyOf(entities);
        checks = List.copyOf(checks);
    }

    /** MISMATCH if anything mismatches, else PENDING while users remain, else OK. */
    public ParityStatus overall() {
        boolean mismatch = entities.stream().anyMatch(e -> e.status() == ParityStatus.MISMATCH)
                || checks.stream().anyMatch(c -> c.status() == ParityStatus.MISMATCH);
        if (mismatch) {
            return ParityStatus.MISMATCH;
        }
        boolean pending = entities.stream().anyMatch(e -> e.status() == ParityStatus.PENDING)
                || checks.stream().anyMatch(c -> c.status() == ParityStatus.PENDING);
        return pending ? ParityStatus.PENDING : ParityStatus.OK;
    }
}
