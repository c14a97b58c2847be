package dev.backfill.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.demo.CommunityRows;
import dev.backfill.testing.Tables;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the community demo's target must hold for the members migrated now, from the legacy rows alone
 * ({@link CommunityRows}, the definition CommunityScenarioIT holds the engine to): exactly the rows
 * those members can have, with the values the live app wrote and without the rows it deleted; exactly
 * the rest of those members' rows waiting in {@code backfill.pending_rows}; no row referencing a
 * missing one. Rows are keyed "table:identity" as the ledger keys them, and compared as the jsonb text
 * PostgreSQL prints on both sides (canonical: keys in one order), or as JSON objects where the live app
 * wrote a value.
 */
final class CommunityOracle {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The expected rows ("table:identity" → row as jsonb text) and waiting rows ("entity identity", sorted) of one set of members. */
    record Expected(Map<String, String> rows, List<String> waiting) {}

    private final ModelLab lab;
    /** The legacy rows are the same at the start of every sequence: what they give is kept across sequences. */
    private final Map<String, Expected> pristine = new HashMap<>();

    CommunityOracle(ModelLab lab) {
        this.lab = lab;
    }

    /** The rows of these members, from the legacy rows as they are now ({@code pristine}: as generated, so they may be cached). */
    Expected expected(Collection<String> members, boolean pristine) {
        String key = new TreeSet<>(members).toString();
        if (pristine) {
            return this.pristine.computeIfAbsent(key, k -> compute(members));
        }
        return compute(members);
    }

    private Expected compute(Collection<String> members) {
        try {
            Map<String, String> rows = new HashMap<>();
            try (Statement statement = lab.legacy().createStatement(); ResultSet result = statement.executeQuery(
                    "select entity, key, row from " + CommunityRows.migratedRows(members) + " x")) {
                while (result.next()) {
                    rows.put(result.getString(1) + "_v2:" + result.getString(2), result.getString(3));
                }
            }
            List<String> waiting = new ArrayList<>(Tables.rows(lab.legacy(), CommunityRows.waitingKeys(lab.users(), members)));
            waiting.sort(null);
            return new Expected(rows, waiting);
        } catch (SQLException e) {
            throw new IllegalStateException("computing the expected rows failed: " + e.getMessage(), e);
        }
    }

    /**
     * What differs between the target and what it must hold, or empty: {@code values} the live app's
     * writes into rows apply wrote, {@code deleted} the rows it deleted, {@code own} its own rows (left out).
     */
    Optional<String> check(Expected expected, Map<String, Map.Entry<String, String>> values, Set<String> deleted, Set<String> own) {
        try {
            Map<String, String> want = new TreeMap<>(expected.rows());
            want.keySet().removeAll(deleted);
            Map<String, String> have = new TreeMap<>();
            try (Statement statement = lab.target().createStatement(); ResultSet result = statement.executeQuery(actualRowsSql())) {
                while (result.next()) {
                    String key = result.getString(1) + ":" + result.getString(2);
                    if (!own.contains(key)) {
                        have.put(key, result.getString(3));
                    }
                }
            }
            List<String> problems = new ArrayList<>();
            Set<String> missing = new TreeSet<>(want.keySet());
            missing.removeAll(have.keySet());
            Set<String> extra = new TreeSet<>(have.keySet());
            extra.removeAll(want.keySet());
            missing.forEach(k -> problems.add("missing " + k + " " + want.get(k)));
            extra.forEach(k -> problems.add("unexpected " + k + " " + have.get(k)));
            for (Map.Entry<String, String> row : want.entrySet()) {
                String actual = have.get(row.getKey());
                if (actual != null && !same(row.getValue(), values.get(row.getKey()), actual)) {
                    problems.add("differs " + row.getKey() + ": expected " + row.getValue() + (values.containsKey(row.getKey())
                            ? " with " + values.get(row.getKey()) : "") + ", actual " + actual);
                }
            }
            if (!problems.isEmpty()) {
                return Optional.of("the target does not hold exactly the rows the migrated members can have (" + problems.size()
                        + " difference(s)):\n  " + problems.stream().limit(12).collect(Collectors.joining("\n  ")));
            }
            List<String> waiting = Tables.rows(lab.target(), "select entity || ' ' || (select string_agg(e, ',' order by o)"
                    + " from jsonb_array_elements_text(row_key) with ordinality x(e, o)) from backfill.pending_rows where plan = '"
                    + lab.planName() + "' and state = 'waiting'");
            waiting = new ArrayList<>(waiting);
            waiting.sort(null);
            if (!waiting.equals(expected.waiting())) {
                return Optional.of("the waiting rows are not the migrated members' rows that cannot be written yet:\n  expected "
                        + expected.waiting() + "\n  waiting  " + waiting);
            }
            String dangling = Tables.rows(lab.target(), CommunityRows.DANGLING).get(0);
            if (!dangling.equals("0")) {
                return Optional.of(dangling + " target row(s) reference a row that is not there");
            }
            return Optional.empty();
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("reading the target failed: " + e.getMessage(), e);
        }
    }

    /** Whether the target row is the expected one, with the value the live app wrote into it, if it did. */
    private static boolean same(String expected, Map.Entry<String, String> written, String actual) throws java.io.IOException {
        if (written == null) {
            return expected.equals(actual);
        }
        ObjectNode row = (ObjectNode) JSON.readTree(expected);
        row.put(written.getKey(), written.getValue());
        return row.equals(JSON.readTree(actual));
    }

    /** (table, identity, row as jsonb text) of every target row. */
    private String actualRowsSql() {
        return lab.kind().tables().stream().map(t -> "select '" + t.name() + "', " + t.keyText("t") + ", to_jsonb(t)::text from "
                + t.name() + " t").collect(Collectors.joining(" union all "));
    }
}
