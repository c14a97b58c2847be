package dev.backfill.control;

import dev.backfill.db.Copy;
import dev.backfill.mapping.IdAllocator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The id map of the {@code generate} strategy. Known ids are loaded in bulk before a chunk is mapped;
 * ids handed out while mapping are written back in bulk with the chunk's results.
 */
public final class IdMapStore implements IdAllocator {
    private record Key(String entity, String scope, String legacyId) {}

    private final ControlSchema control;
    private final String plan;
    private final Map<Key, UUID> known = new HashMap<>();
    private final Map<Key, UUID> fresh = new HashMap<>();

    IdMapStore(ControlSchema control, String plan) {
        this.control = control;
        this.plan = plan;
    }

    /** Loads the ids already handed out for these legacy ids. */
    public synchronized void preload(Connection connection, String entity, String scope, List<String> legacyIds) throws SQLException {
        if (legacyIds.isEmpty()) {
            return;
        }
        String sql = "select legacy_id, new_id from " + control.table("id_map")
                + " where plan = ? and entity = ? and scope = ? and legacy_id = any(?)";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, plan);
            statement.setString(2, entity);
            statement.setString(3, scope);
            statement.setArray(4, connection.createArrayOf("text", legacyIds.toArray()));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    known.put(new Key(entity, scope, rows.getString(1)), rows.getObject(2, UUID.class));
                }
            }
        }
    }

    @Override
    public synchronized UUID idFor(String entity, String scope, String legacyId) {
        Key key = new Key(entity, scope, legacyId);
        UUID id = known.get(key);
        if (id == null) {
            id = fresh.computeIfAbsent(key, k -> UUID.randomUUID());
        }
        return id;
    }

    /** Writes the ids handed out since the last flush. */
    public synchronized void flush(Connection connection) throws SQLException {
        if (fresh.isEmpty()) {
            return;
        }
        List<List<?>> rows = new ArrayList<>();
        fresh.forEach((key, id) -> rows.add(List.of(plan, key.entity(), key.scope(), key.legacyId(), id)));
        String staging = "id_map_new";
        try (var statement = connection.createStatement()) {
            statement.execute("create temp table if not exists " + staging + " (like " + control.table("id_map") + ") on commit drop");
        }
        try (Copy copy = Copy.into(connection, staging, "plan, entity, scope, legacy_id, new_id")) {
            for (List<?> row : rows) {
                copy.row(row);
            }
            copy.end();
        }
        try (var statement = connection.createStatement()) {
            statement.execute("insert into " + control.table("id_map") + " select * from " + staging + " on conflict do nothing");
            statement.execute("truncate " + staging);
        }
        known.putAll(fresh);
        fresh.clear();
    }

    /** Forgets loaded ids (between chunks, to keep memory bounded). */
    public synchronized void forgetKnown() {
        known.clear();
    }
}
