package dev.backfill.parity;

import java.util.List;

/**
 * One entity's parity.
 *
 * @param legacyRows        legacy records of all users (from the dry run)
 * @param plannedRows       target rows the plan makes for all users
 * @param migratedLegacyRows legacy records of the users migrated so far
 * @param migratedPlannedRows planned rows of the users migrated so far
 * @param writtenRows       rows the ledger says apply wrote (inserted or updated)
 * @param targetRows        of those, rows actually in the target now
 * @param waitingRows       rows of migrated users that wait for rows of users not migrated yet (written when those are)
 * @param usersChecked      migrated users whose rows were compared
 * @param usersMismatched   of those, users whose actual rows differ from what apply wrote (count or checksum)
 * @param mismatchedSample  a few such users
 * @param duplicateKeys     natural keys that occur more than once in the whole target table
 */
public record EntityParity(String entity, String table, long legacyRows, long plannedRows, long migratedLegacyRows,
                           long migratedPlannedRows, long writtenRows, long targetRows, long waitingRows, long usersChecked, long usersMismatched,
                           List<String> mismatchedSample, long duplicateKeys, ParityStatus status) {

    public EntityParity {
        mismatchedSample = List.copyOf(mismatchedSample);
    }
}
