package dev.backfill.engine;

import dev.backfill.db.RowErrors;
import dev.backfill.db.Sql;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetRules;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.UserMapping;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's CHECK constraints, evaluated by the target on a chunk's candidate rows before they are
 * settled: a row a constraint refuses is not migrated and becomes its user's finding, at dry run and
 * at apply alike, instead of failing the user's transaction at apply (23514). Only constraints over
 * columns the plan writes are evaluated; a column left to its default is not predicted.
 */
final class TargetChecks {

    /** PostgreSQL accepts at most 65,535 bind parameters per statement; stay well below. */
    private static final int MAX_PARAMETERS = 30_000;
    private static final String ORDINAL = "bf_row";
    /** SQLSTATE classes a value causes: data exception, integrity constraint, function and PL/pgSQL errors. */
    private static final Logger LOG = LoggerFactory.getLogger(TargetChecks.class);

    private TargetChecks() {}

    /**
     * Removes from each user's candidates the rows a CHECK constraint refuses, with a finding for each.
     * {@code candidates.get(i)} are the rows of {@code mappings.get(i)}; the lists are changed in place.
     */
    static void refuse(Connection target, Entity entity, TargetShape shape, List<UserMapping> mappings,
                       List<List<PlannedRow>> candidates) throws SQLException {
        List<TargetRules.Check> checks = shape.rules().of(entity).checks().stream().filter(c -> c.predictable(entity)).toList();
        if (checks.isEmpty()) {
            return;
        }
        Set<PlannedRow> refusedRows = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TargetRules.Check check : checks) {
            List<Candidate> present = new ArrayList<>();
            for (int u = 0; u < candidates.size(); u++) {
                for (PlannedRow row : candidates.get(u)) {
                    if (!refusedRows.contains(row)) {
                        present.add(new Candidate(u, row));
                    }
                }
            }
            int perStatement = Math.max(1, MAX_PARAMETERS / (check.columns().size() + 1));
            try {
                for (int from = 0; from < present.size(); from += perStatement) {
                    List<Candidate> slice = present.subList(from, Math.min(present.size(), from + perStatement));
                    for (Refused refused : evaluate(target, check, slice)) {
                        Candidate candidate = refused.candidate();
                        refusedRows.add(candidate.row());
                        UserMapping mapping = mappings.get(candidate.user());
                        mapping.refuse(TargetRules.checkRefusal(entity, mapping.user(), candidate.row(), check, refused.error()));
                    }
                }
            } catch (Unpredictable e) {
                LOG.warn("CHECK constraint {} of {} is not predicted at dry run: {}", check.name(), entity.into(), e.getMessage());
            }
        }
        for (List<PlannedRow> rows : candidates) {
            rows.removeIf(refusedRows::contains);
        }
    }

    private record Candidate(int user, PlannedRow row) {}

    private record Refused(Candidate candidate, String error) {}

    /** The expression cannot be evaluated outside its table (it names something only the table has): not predicted. */
    private static final class Unpredictable extends Exception {
        Unpredictable(String message) {
            super(message);
        }
    }

    /**
     * The rows the check refuses. When a value makes the expression itself fail (a data error: a cast, a
     * division, a domain's own check), each row is evaluated on its own and the failing ones are refused
     * with the database's message, as apply's insert would fail. Lost connections and the like propagate.
     */
    private static List<Refused> evaluate(Connection target, TargetRules.Check check, List<Candidate> slice)
            throws SQLException, Unpredictable {
        try {
            return guarded(target, () -> failing(target, check, slice));
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("42")) {
                throw new Unpredictable(e.getMessage());
            }
            if (!RowErrors.of(e)) {
                throw e;
            }
            if (slice.size() == 1) {
                return List.of(new Refused(slice.get(0), e.getMessage().strip()));
            }
            List<Refused> refused = new ArrayList<>();
            for (Candidate candidate : slice) {
                refused.addAll(evaluate(target, check, List.of(candidate)));
            }
            return refused;
        }
    }

    private static List<Refused> failing(Connection target, TargetRules.Check check, List<Candidate> slice) throws SQLException {
        StringBuilder sql = new StringBuilder("select ").append(ORDINAL).append(" from (values ");
        for (int i = 0; i < slice.size(); i++) {
            sql.append(i == 0 ? "(" : ", (").append("?::int");
            for (String type : check.sqlTypes()) {
                sql.append(", ?::").append(type);
            }
            sql.append(')');
        }
        sql.append(") as t(").append(ORDINAL);
        check.columns().forEach(column -> sql.append(", ").append(Sql.quote(column)));
        // a CHECK passes when its expression is true or null
        sql.append(") where (").append(check.expression()).append(") is false");
        List<Refused> refused = new ArrayList<>();
        try (PreparedStatement statement = target.prepareStatement(sql.toString())) {
            int parameter = 1;
            for (int i = 0; i < slice.size(); i++) {
                statement.setInt(parameter++, i);
                for (String column : check.columns()) {
                    Object value = slice.get(i).row().value(column);
                    statement.setString(parameter++, value == null ? null : ValueText.plain(value));
                }
            }
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    refused.add(new Refused(slice.get(rows.getInt(1)), null));
                }
            }
        }
        return refused;
    }

    private interface Query<T> {
        T run() throws SQLException;
    }

    /** Inside a transaction, a failed statement must not abort it: a savepoint takes the failure. */
    private static <T> T guarded(Connection connection, Query<T> query) throws SQLException {
        if (connection.getAutoCommit()) {
            return query.run();
        }
        Savepoint savepoint = connection.setSavepoint();
        try {
            T result = query.run();
            connection.releaseSavepoint(savepoint);
            return result;
        } catch (SQLException e) {
            connection.rollback(savepoint);
            throw e;
        }
    }
}
