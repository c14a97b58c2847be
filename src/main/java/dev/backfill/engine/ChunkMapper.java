package dev.backfill.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.control.IdMapStore;
import dev.backfill.mapping.Fingerprint;
import dev.backfill.mapping.MappingContext;
import dev.backfill.mapping.PlannedRow;
import dev.backfill.mapping.TargetRules;
import dev.backfill.mapping.UserMapping;
import dev.backfill.plan.Entity;
import dev.backfill.plan.IdSpec;
import dev.backfill.source.UserRows;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Maps a chunk of users entity by entity: each user's candidates are mapped (pure), the chunk's
 * candidates are looked up in the target in one query, then each user settles what exists and
 * keeps which target rows it met (its target fingerprint).
 */
final class ChunkMapper {
    private final MappingContext context;
    private final IdMapStore ids;
    private final Set<String> emptyTargets;
    private final Map<String, TargetIndex> indexes;
    private final Predicate<String> metNothingAtReview;

    /** {@code emptyTargets}: entities whose target table was empty when the run began, so lookups are skipped. */
    ChunkMapper(MappingContext context, IdMapStore ids, Set<String> emptyTargets) {
        this(context, ids, emptyTargets, Map.of(), user -> false);
    }

    /** {@code indexes}: target tables small enough to match in memory (the dry run's snapshot of them). */
    ChunkMapper(MappingContext context, IdMapStore ids, Set<String> emptyTargets, Map<String, TargetIndex> indexes) {
        this(context, ids, emptyTargets, indexes, user -> false);
    }

    private ChunkMapper(MappingContext context, IdMapStore ids, Set<String> emptyTargets, Map<String, TargetIndex> indexes,
                        Predicate<String> metNothingAtReview) {
        this.context = context;
        this.ids = ids;
        this.emptyTargets = emptyTargets;
        this.indexes = indexes;
        this.metNothingAtReview = metNothingAtReview;
    }

    /**
     * For apply: the users {@code metNothingAtReview} names (their rows met no target row when the DBA
     * reviewed them, as most users' do) are mapped as meeting nothing, without a look-up. That is what was
     * reviewed, and the write transaction proves it before writing: it looks their rows up again, or, in a
     * table whose unique indexes refuse any row such a look-up could find, lets the insert be refused and
     * writes the chunk again with every user looked up ({@link ChunkWriter.LookUp}). A user whose rows meet a
     * target row by then is held back (TARGET_CHANGED), not written.
     */
    static ChunkMapper forApply(MappingContext context, IdMapStore ids, Predicate<String> metNothingAtReview) {
        return new ChunkMapper(context, ids, Set.of(), Map.of(), metNothingAtReview);
    }

    /**
     * {@code rows}: stream key → user → rows. Returns one finished mapping per user, in the given order.
     * Users whose references named rows the directory did not know yet are mapped again once those are
     * looked up in the control schema.
     */
    List<MappedUser> map(Connection target, List<String> users, Map<String, Map<String, UserRows>> rows,
                         List<Entity> entities) throws SQLException {
        ChunkDirectory directory = context.directory() instanceof ChunkDirectory chunk && chunk.active() ? chunk : null;
        if (directory != null) {
            directory.reset();
        }
        List<MappedUser> mapped = newMappings(users, rows);
        if (directory != null) {
            directory.addChunk(mapped.stream().map(MappedUser::mapping).toList(), context.plan());
        }
        mapEntities(target, mapped, entities);
        if (directory == null) {
            return mapped;
        }
        List<String> again = mapped.stream().filter(m -> m.mapping().deferred()).map(MappedUser::user).toList();
        if (again.isEmpty() || !directory.lookUpMissed(target)) {
            return mapped;
        }
        List<MappedUser> remapped = newMappings(again, rows);
        mapEntities(target, remapped, entities);
        Map<String, MappedUser> byUser = new HashMap<>();
        remapped.forEach(m -> byUser.put(m.user(), m));
        List<MappedUser> result = new ArrayList<>(mapped.size());
        mapped.forEach(m -> result.add(byUser.getOrDefault(m.user(), m)));
        return result;
    }

    private List<MappedUser> newMappings(List<String> users, Map<String, Map<String, UserRows>> rows) {
        List<MappedUser> mapped = new ArrayList<>(users.size());
        for (String user : users) {
            Map<String, List<ObjectNode>> own = new HashMap<>();
            Map<String, byte[]> digests = new HashMap<>();
            rows.forEach((stream, byUser) -> {
                UserRows userRows = byUser.get(user);
                if (userRows != null) {
                    own.put(stream, userRows.rows());
                    digests.put(stream, userRows.digest());
                }
            });
            mapped.add(new MappedUser(new UserMapping(context, user, own, Fingerprint.ofDigests(digests)), new TargetFingerprint()));
        }
        return mapped;
    }

    private void mapEntities(Connection target, List<MappedUser> mapped, List<Entity> entities) throws SQLException {
        ids.forgetKnown();
        for (Entity entity : entities) {
            preloadIds(target, entity, mapped);
            List<List<PlannedRow>> candidates = new ArrayList<>(mapped.size());
            for (MappedUser user : mapped) {
                candidates.add(new ArrayList<>(user.mapping().mapEntity(entity)));
            }
            TargetChecks.refuse(target, entity, context.shape(), mapped.stream().map(MappedUser::mapping).toList(), candidates);
            TargetMatches matches = lookUp(target, entity, mapped, candidates);
            int offset = 0;
            for (int u = 0; u < mapped.size(); u++) {
                List<PlannedRow> userCandidates = candidates.get(u);
                UserMapping mapping = mapped.get(u).mapping();
                List<PlannedRow> insertable = new ArrayList<>(userCandidates.size());
                Map<Integer, List<Object>> userExisting = new HashMap<>();
                for (int i = 0; i < userCandidates.size(); i++) {
                    List<Object> byKey = matches.byKey().get(offset + i);
                    List<Object> byId = matches.byId().get(offset + i);
                    if (byKey == null && byId != null) {
                        // another row holds this id: the insert would fail (23505), so the review says so instead
                        mapping.refuse(TargetRules.idTaken(entity, mapping.user(), userCandidates.get(i)));
                        continue;
                    }
                    if (byKey != null) {
                        userExisting.put(insertable.size(), byKey);
                    }
                    insertable.add(userCandidates.get(i));
                }
                mapped.get(u).target().add(entity, userCandidates, matches, offset);
                offset += userCandidates.size();
                mapping.settle(entity, insertable, userExisting);
            }
        }
    }

    /** What the target holds for the chunk's candidates of one entity, by index into all users' candidates in order. */
    private TargetMatches lookUp(Connection target, Entity entity, List<MappedUser> mapped, List<List<PlannedRow>> candidates)
            throws SQLException {
        List<PlannedRow> all = new ArrayList<>();
        candidates.forEach(all::addAll);
        if (emptyTargets.contains(entity.name()) || all.isEmpty()) {
            return TargetMatches.NONE;
        }
        TargetIndex index = indexes.get(entity.name());
        if (index != null) {
            return index.find(entity, context.shape(), all);
        }
        List<PlannedRow> asked = new ArrayList<>(all.size());
        List<Integer> positions = new ArrayList<>(all.size());
        int offset = 0;
        for (int u = 0; u < mapped.size(); u++) {
            List<PlannedRow> rows = candidates.get(u);
            if (!metNothingAtReview.test(mapped.get(u).user())) {
                for (int i = 0; i < rows.size(); i++) {
                    asked.add(rows.get(i));
                    positions.add(offset + i);
                }
            }
            offset += rows.size();
        }
        if (asked.size() == all.size()) {
            return TargetLookup.find(target, entity, context.shape(), all);
        }
        return asked.isEmpty() ? TargetMatches.NONE : TargetLookup.find(target, entity, context.shape(), asked).at(positions);
    }

    private void preloadIds(Connection target, Entity entity, List<MappedUser> mapped) throws SQLException {
        if (entity.id() == null || (entity.id().strategy() != IdSpec.Strategy.GENERATE && !entity.id().generateInvalid())) {
            return;
        }
        if (entity.id().scopedToUser()) {
            for (MappedUser user : mapped) {
                ids.preload(target, entity.name(), user.user(), user.mapping().idKeys(entity));
            }
        } else {
            List<String> keys = new ArrayList<>();
            mapped.forEach(m -> keys.addAll(m.mapping().idKeys(entity)));
            ids.preload(target, entity.name(), "", keys);
        }
    }
}
