package dev.backfill.mapping;

import dev.backfill.plan.Entity;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SourceSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct legacy streams a plan reads. Entities that read the same rows (a table split into
 * two targets, or several arrays exploded out of one document column) share one stream.
 */
public final class Streams {

    private Streams() {}

    /** Stream key → the source spec of the first entity reading it, in plan order. */
    public static Map<String, SourceSpec> of(Plan plan, boolean shared) {
        Map<String, SourceSpec> streams = new LinkedHashMap<>();
        for (Entity entity : plan.entities()) {
            if (entity.shared() == shared) {
                streams.putIfAbsent(entity.from().streamKey(), entity.from());
            }
        }
        return streams;
    }

    /** The entities reading one stream, in dependency order. */
    public static List<Entity> readers(Plan plan, String streamKey) {
        List<Entity> readers = new ArrayList<>();
        for (Entity entity : plan.entities()) {
            if (entity.from().streamKey().equals(streamKey)) {
                readers.add(entity);
            }
        }
        return readers;
    }
}
