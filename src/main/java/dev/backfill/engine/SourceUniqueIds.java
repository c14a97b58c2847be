package dev.backfill.engine;

import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Coercion;
import dev.backfill.plan.Entity;
import dev.backfill.plan.IdSpec;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SourceSpec;
import dev.backfill.source.SourceColumn;
import dev.backfill.source.SourceReader;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entities whose ids no two users' rows can share, because the legacy table's own unique key keeps
 * the legacy ids apart and the id is made from the legacy id alone, in a way that keeps different
 * values different. The dry run need not compare such ids across users ({@link UniqueCheck}): at
 * 1,000,000 planned rows, not comparing them made the dry run take 0.81x as long.
 *
 * <p>An entity qualifies when all of these hold:
 * <ul>
 *   <li>it reads a legacy table (not a query or a document), one record per row (no {@code explode});</li>
 *   <li>its id is {@code preserve} or {@code derive} of a legacy column, and that column alone is a primary key
 *       or unique index of the table ({@link SourceReader#uniqueColumns});</li>
 *   <li>the column is a {@code uuid} or an integer: its values read as text in one way only (a text id could
 *       differ from another only in case, and both become one uuid);</li>
 *   <li>with {@code preserve}, the target's id column is of the same kind, so the value is written as it is;</li>
 *   <li>the id is the id of every planned row: not {@code on_existing: update} (a row matching an existing target
 *       row takes that row's id, which another user's row may match too), and not in the entity's {@code order}
 *       pair (which may swap it with another column's value).</li>
 * </ul>
 * {@code derive} gives the UUIDv5 of the legacy id's text (and the user's, for ids per user): two different
 * ids give two different names, and two names give one UUID only by a SHA-1 collision.
 * A group's row takes the id of its first record, which no other group holds. What the source may change
 * between reads of one dry run (a user's rows are read again to resolve references) the target's own key,
 * which this is about, still refuses at apply: only the target's keys are left out, never a plan's
 * {@code unique} set.
 */
final class SourceUniqueIds {
    /** As the JDBC driver names them: an integer column whose default is a sequence is "serial" or "bigserial". */
    private static final Set<String> ONE_TEXT_FORM = Set.of("uuid", "int2", "int4", "int8", "smallserial", "serial", "bigserial",
            "serial2", "serial4", "serial8");
    private static final Set<Coercion> INTEGERS = EnumSet.of(Coercion.SMALLINT, Coercion.INTEGER, Coercion.BIGINT);

    private static final Logger LOG = LoggerFactory.getLogger(SourceUniqueIds.class);

    private SourceUniqueIds() {}

    /** The names of the entities whose id column needs no comparison across users. */
    static Set<String> of(Plan plan, SourceReader source, TargetShape shape) {
        Set<String> names = new HashSet<>();
        for (Entity entity : plan.entities()) {
            if (qualifies(entity, source, shape)) {
                names.add(entity.name());
            }
        }
        return Set.copyOf(names);
    }

    /** A catalog the source cannot read only costs the comparison this would spare: it is kept. */
    private static boolean qualifies(Entity entity, SourceReader source, TargetShape shape) {
        try {
            return qualifiesByCatalog(entity, source, shape);
        } catch (RuntimeException e) {
            LOG.warn("Could not read the catalog of the legacy table {} ({}): the dry run compares its ids across users",
                    entity.from().table(), e.getMessage());
            return false;
        }
    }

    private static boolean qualifiesByCatalog(Entity entity, SourceReader source, TargetShape shape) {
        IdSpec id = entity.id();
        SourceSpec from = entity.from();
        if (id == null || id.from() == null || !id.from().isSimpleName() || from.table() == null || from.explode() != null
                || !(id.strategy() == IdSpec.Strategy.PRESERVE || id.strategy() == IdSpec.Strategy.DERIVE)
                || entity.onExisting() == Entity.OnExisting.UPDATE || entity.canonicalOrder().contains(id.column())) {
            return false;
        }
        String column = id.from().head();
        if (!source.uniqueColumns(from).contains(column)) {
            return false;
        }
        Map<String, String> types = new java.util.HashMap<>();
        source.columns(from).orElse(List.of()).forEach((SourceColumn c) -> types.put(c.name(), c.type()));
        String legacyType = types.get(column);
        if (legacyType == null || !ONE_TEXT_FORM.contains(legacyType)) {
            return false;
        }
        if (id.strategy() == IdSpec.Strategy.DERIVE) {
            return true;
        }
        ColumnType target = shape.type(entity, id.column());
        if (target == null) {
            return false;
        }
        return legacyType.equals("uuid") ? target.coercion() == Coercion.UUID : INTEGERS.contains(target.coercion());
    }
}
