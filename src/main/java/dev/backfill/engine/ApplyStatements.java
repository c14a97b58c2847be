package dev.backfill.engine;

import dev.backfill.control.ApplyStore;
import dev.backfill.db.Copy;
import dev.backfill.db.Sql;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetShape;
import dev.backfill.mapping.ValueText;
import dev.backfill.plan.Entity;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements apply runs, in one place, so the preview shows exactly what apply sends: COPY for
 * new rows, UPDATE for rows the plan updates in place, and the control rows written in the same
 * transaction.
 */
public final class ApplyStatements {
    private final ApplyStore control;
    private final TargetShape shape;

    public ApplyStatements(ApplyStore control, TargetShape shape) {
        this.control = control;
        this.shape = shape;
    }

    public String copyInsert(Entity entity) {
        return Copy.statement(Sql.table(entity.into()), Sql.columns(entity.targetColumns()));
    }

    /** {@code UPDATE t SET (c1, c2) = (?::type, ?::type) WHERE id = ?::type}: parameters are the non-identity values, then the identity. */
    public String update(Entity entity) {
        List<String> set = nonIdentityColumns(entity);
        StringBuilder sql = new StringBuilder("UPDATE ").append(Sql.table(entity.into())).append(" SET (")
                .append(Sql.columns(set)).append(") = ROW(");
        for (int i = 0; i < set.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("?::").append(sqlType(entity, set.get(i)));
        }
        sql.append(") WHERE ");
        List<String> identity = entity.identityColumns();
        for (int i = 0; i < identity.size(); i++) {
            sql.append(i == 0 ? "" : " AND ").append(Sql.quote(identity.get(i))).append(" = ?::").append(sqlType(entity, identity.get(i)));
        }
        return sql.toString();
    }

    /** The values bound to {@link #update}, in order. */
    public List<Object> updateParameters(Entity entity, PlannedRow row) {
        List<Object> parameters = new ArrayList<>(row.valuesOf(nonIdentityColumns(entity)));
        parameters.addAll(row.identity());
        return parameters;
    }

    /** The UPDATE with its values written in, as a preview shows it: each {@code ?} becomes a quoted literal. */
    public String updateWithValues(Entity entity, PlannedRow row) {
        String sql = update(entity);
        List<Object> parameters = updateParameters(entity, row);
        StringBuilder out = new StringBuilder();
        int parameter = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '?' && parameter < parameters.size()) {
                Object value = parameters.get(parameter++);
                out.append(value == null ? "NULL" : "'" + ValueText.plain(value).replace("'", "''") + "'");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    public String ledgerCopy() {
        return control.ledgerCopyStatement();
    }

    public String markMigrated() {
        return control.markMigratedStatement();
    }

    List<String> nonIdentityColumns(Entity entity) {
        List<String> columns = new ArrayList<>(entity.targetColumns());
        columns.removeAll(entity.identityColumns());
        return columns;
    }

    private String sqlType(Entity entity, String column) {
        ColumnType type = shape.type(entity, column);
        return type == null ? "text" : type.sqlType();
    }
}
