package dev.backfill.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The most heap in use right after any garbage collection between {@link #reset()} and
 * {@link #peakBytes()}: what the engine really keeps, as opposed to garbage not yet collected.
 * Listens to the JVM's own GC notifications.
 */
final class HeapWatch {
    private static final AtomicLong PEAK = new AtomicLong();
    private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private static boolean listening;

    private HeapWatch() {}

    static synchronized void reset() {
        if (!listening) {
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (collector instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((notification, handback) -> {
                        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                            record(GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()));
                        }
                    }, null, null);
                }
            }
            listening = true;
        }
        System.gc();
        PEAK.set(0);
    }

    private static void record(GarbageCollectionNotificationInfo info) {
        long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                .filter(pool -> HEAP_POOLS.contains(pool.getKey())).map(pool -> pool.getValue())
                .mapToLong(MemoryUsage::getUsed).sum();
        PEAK.accumulateAndGet(used, Math::max);
    }

    static long peakBytes() {
        return PEAK.get();
    }

    static long maxBytes() {
        return Runtime.getRuntime().maxMemory();
    }
}
