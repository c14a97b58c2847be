package dev.backfill.engine;

import dev.backfill.db.UniqueIndexes;
import dev.backfill.mapping.ColumnType;
import dev.backfill.mapping.TargetShape;
import dev.backfill.plan.Entity;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The plan's tables whose unique indexes refuse every row the write transaction's look-up could find
 * ({@link UniqueIndexes}): one covers the natural key and, where the entity has an id, one covers the id.
 * For a user reviewed as meeting nothing in such a table the insert itself is the look-up: a row the live
 * app wrote there since makes it fail, and the chunk is written again with every user looked up
 * ({@link ChunkWriter.LookUp}).
 *
 * <p>Read once per apply run: an index dropped while apply runs is not noticed until the next run.
 */
final class UniqueGuards {

    private UniqueGuards() {}

    /**
     * {@code lookUpTypes}: the types the look-up compares each column in ({@link TargetLookup}); a column counts
     * only where that is its {@code stored} type, so that the look-up's equality is the index's.
     */
    static Set<Entity> of(Connection connection, List<Entity> entities, TargetShape lookUpTypes, TargetShape stored) throws SQLException {
        Set<Entity> guarded = new HashSet<>();
        for (Entity entity : entities) {
            List<String> looked = new ArrayList<>(entity.key());
            if (entity.id() != null) {
                looked.add(entity.id().column());
            }
            if (entity.key().isEmpty() || !looked.stream().allMatch(c -> sameType(lookUpTypes.type(entity, c), stored.type(entity, c)))) {
                continue;
            }
            boolean key = UniqueIndexes.covering(connection, entity.into(), entity.key()).isPresent();
            boolean id = entity.id() == null
                    || UniqueIndexes.covering(connection, entity.into(), List.of(entity.id().column())).isPresent();
            if (key && id) {
                guarded.add(entity);
            }
        }
        return Set.copyOf(guarded);
    }

    private static boolean sameType(ColumnType lookedUpAs, ColumnType stored) {
        return lookedUpAs != null && stored != null && lookedUpAs.sqlType().equals(stored.sqlType());
    }
}
