package dev.backfill.mapping;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything one user's dry run produced.
 *
 * @param rows         planned target rows per entity, in dependency order
 * @param legacyCounts legacy records per entity (after explode and latest)
 * @param existing     rows per entity that match an existing target row (skipped or updated)
 * @param checkTotals  this user's share of each plan check that compares with legacy totals
 */
public record UserResult(
        String user,
        String fingerprint,
        Map<String, List<PlannedRow>> rows,
        Map<String, Integer> legacyCounts,
        Map<String, Integer> existing,
        List<Finding> findings,
        Map<String, BigDecimal> checkTotals) {

    public int legacyRowCount() {
        return legacyCounts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int plannedRowCount() {
        return rows.values().stream().mapToInt(List::size).sum();
    }

    public List<PlannedRow> rowsOf(String entity) {
        return rows.getOrDefault(entity, List.of());
    }

    /** Planned rows that reference another user's row: at apply, each waits until that row is in the target. */
    public int waitingRows() {
        int waiting = 0;
        for (List<PlannedRow> entityRows : rows.values()) {
            for (PlannedRow row : entityRows) {
                if (row.refersToOtherUsers()) {
                    waiting++;
                }
            }
        }
        return waiting;
    }

    /** How many other users' rows this user's rows wait for. */
    public int waitsForUsers() {
        Set<String> owners = new HashSet<>();
        rows.values().forEach(entityRows -> entityRows.forEach(row -> row.refs().forEach(ref -> {
            if (ref.foreign()) {
                owners.add(ref.owner());
            }
        })));
        return owners.size();
    }
}
