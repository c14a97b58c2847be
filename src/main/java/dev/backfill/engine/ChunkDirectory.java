package dev.backfill.engine;

import dev.backfill.control.DirectoryStore;
import dev.backfill.mapping.RowDirectory;
import dev.backfill.mapping.UserMapping;
import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The directory of legacy rows as one chunk's mapping sees it: the chunk's own users' rows, and
 * whatever was looked up in the control schema for rows the mapping asked about. A row it does not
 * know is noted; the chunk's users that asked are mapped again once those rows are looked up.
 */
final class ChunkDirectory implements RowDirectory {
    private final DirectoryStore store;
    private final Set<String> referenced;
    /** Whether the stored directory holds every user (after a full dry run's read): then an unknown row is absent. */
    private boolean complete;
    private final Map<String, Map<String, String>> owners = new HashMap<>();
    private final Map<String, Set<String>> missed = new HashMap<>();
    private final Map<String, Set<String>> absent = new HashMap<>();

    ChunkDirectory(Plan plan, DirectoryStore store, boolean complete) {
        this.store = store;
        this.complete = complete;
        this.referenced = referencedEntities(plan);
    }

    /** Entities whose rows some reference names (the only ones the directory keeps). */
    static Set<String> referencedEntities(Plan plan) {
        Set<String> names = new HashSet<>();
        for (Entity entity : plan.entities()) {
            if (!entity.shared()) {
                entity.references().forEach(ref -> {
                    if (!plan.requireEntity(ref).shared()) {
                        names.add(ref);
                    }
                });
            }
        }
        return names;
    }

    boolean active() {
        return !referenced.isEmpty();
    }

    /** From now on the stored directory holds every user's rows: a row it lacks is in no user's legacy data. */
    void nowComplete() {
        complete = true;
    }

    /** Starts a chunk: what the previous chunk learned is forgotten (memory stays bounded by a chunk). */
    void reset() {
        owners.clear();
        missed.clear();
        absent.clear();
    }

    /** The chunk's own users' rows of the referenced entities. */
    void addChunk(List<UserMapping> mappings, Plan plan) {
        for (String name : referenced) {
            Entity entity = plan.requireEntity(name);
            for (UserMapping mapping : mappings) {
                for (String legacyId : mapping.legacyKeys(entity)) {
                    owners.computeIfAbsent(name, k -> new HashMap<>()).putIfAbsent(legacyId, mapping.user());
                }
            }
        }
    }

    @Override
    public Lookup owner(String entity, String legacyId) {
        String owner = owners.getOrDefault(entity, Map.of()).get(legacyId);
        if (owner != null) {
            return Lookup.owner(owner);
        }
        if (absent.getOrDefault(entity, Set.of()).contains(legacyId)) {
            return Lookup.ABSENT;
        }
        missed.computeIfAbsent(entity, k -> new HashSet<>()).add(legacyId);
        return Lookup.UNKNOWN;
    }

    /** Looks the noted rows up in the control schema; returns whether any was found or became known to be absent. */
    boolean lookUpMissed(Connection connection) throws SQLException {
        boolean learned = false;
        for (Map.Entry<String, Set<String>> entity : missed.entrySet()) {
            Map<String, DirectoryStore.Owner> found = store.owners(connection, entity.getKey(), entity.getValue());
            for (String legacyId : entity.getValue()) {
                DirectoryStore.Owner owner = found.get(legacyId);
                if (owner != null) {
                    owners.computeIfAbsent(entity.getKey(), k -> new HashMap<>()).put(legacyId, owner.user());
                    learned = true;
                } else if (complete) {
                    absent.computeIfAbsent(entity.getKey(), k -> new HashSet<>()).add(legacyId);
                    learned = true;
                }
            }
        }
        missed.clear();
        return learned;
    }
}
