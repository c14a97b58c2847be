package dev.backfill.control;

import dev.backfill.db.Sql;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.util.ArrayList;
import java.util.List;

/** SQL pieces that join ledger keys to the target rows they name. */
final class LedgerSql {

    private LedgerSql() {}

    /** {@code alias.id = (keyJson->>0)::uuid and ...}: a target row matched to one ledger key (a JSON array). */
    static String identityMatch(Entity entity, TargetShape shape, String alias, String keyJson) {
        List<String> identity = entity.identityColumns();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < identity.size(); i++) {
            parts.add(alias + "." + Sql.quote(identity.get(i)) + " = (" + keyJson + "->>" + i + ")::" + sqlType(shape, entity, identity.get(i)));
        }
        return String.join(" and ", parts);
    }

    static String sqlType(TargetShape shape, Entity entity, String column) {
        ColumnType type = shape.type(entity, column);
        return type == null ? "text" : type.sqlType();
    }

    /** The entity's target column types, in column order (null where the target has no such column). */
    static List<ColumnType> types(TargetShape shape, Entity entity) {
        return entity.targetColumns().stream().map(c -> shape.type(entity, c)).toList();
    }
}
