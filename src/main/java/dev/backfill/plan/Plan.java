package dev.backfill.plan;

import java.util.List;
import java.util.Optional;

/**
 * A validated plan: the contract between the DBA and the tool. Entities are in dependency order
 * (an entity comes after every entity it references).
 *
 * @param checksum SHA-256 of the plan file's text; an approval is only valid for this exact plan
 */
public record Plan(
        String name,
        String description,
        String file,
        String checksum,
        ConnectionSpec source,
        ConnectionSpec target,
        String controlSchema,
        String partition,
        int batchUsers,
        RetrySpec retry,
        List<Entity> entities,
        List<SkipSpec> skipped,
        List<CheckSpec> checks) {

    public Plan {
        entities = List.copyOf(entities);
        skipped = List.copyOf(skipped);
        checks = List.copyOf(checks);
    }

    /** Retry of transient database errors: attempts in all, first backoff, doubled each time. */
    public record RetrySpec(int attempts, long backoffMillis) {
        public static final RetrySpec DEFAULT = new RetrySpec(5, 200);
    }

    public Optional<Entity> entity(String entityName) {
        return entities.stream().filter(e -> e.name().equals(entityName)).findFirst();
    }

    public Entity requireEntity(String entityName) {
        return entity(entityName).orElseThrow(() -> new IllegalArgumentException(
                "plan '" + name + "' has no entity '" + entityName + "'; entities: "
                        + entities.stream().map(Entity::name).toList()));
    }

    public boolean hasSharedEntities() {
        return entities.stream().anyMatch(Entity::shared);
    }

    /** Whether some entity of users references an entity of users: such a reference may name another user's row. */
    public boolean hasReferencesBetweenUsers() {
        return entities.stream().filter(e -> !e.shared())
                .anyMatch(e -> e.references().stream().anyMatch(ref -> !requireEntity(ref).shared()));
    }

    public String shortChecksum() {
        return checksum.substring(0, 12);
    }
}
