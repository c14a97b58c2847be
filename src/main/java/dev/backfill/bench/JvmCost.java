package dev.backfill.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a phase cost this JVM: CPU seconds of the whole process, of which its JIT compiler threads'
 * and its garbage collector threads', the collectors' pauses, and the bytes it allocated. On a small
 * machine these compete with PostgreSQL for the same cores.
 *
 * <p>The compiler's and collector's shares are the CPU time of those threads, read from Linux's
 * /proc (each thread's {@code schedstat}, in nanoseconds); elsewhere they are not reported. The
 * JVM's own "total compilation time" is no substitute: it is the compile tasks' elapsed time, which
 * counts the time a compiler thread waits for a core (about twice its CPU time in a busy bench here).
 * A thread that ended during the phase takes its time with it, so both shares are lower bounds.
 */
record JvmCost(double processCpuSeconds, double compilerCpuSeconds, double gcCpuSeconds, double gcPauseSeconds, double allocatedBytes) {

    private static final Path TASKS = Path.of("/proc/self/task");

    record Mark(long cpuNanos, Map<String, Long> threadNanos, long gcMillis, long allocatedBytes) {
        JvmCost since() {
            Mark now = mark();
            double compiler = Double.NaN;
            double gc = Double.NaN;
            if (threadNanos != null && now.threadNanos != null) {
                long compilerNanos = 0;
                long gcNanos = 0;
                for (Map.Entry<String, Long> thread : now.threadNanos.entrySet()) {
                    String name = thread.getKey().substring(thread.getKey().indexOf(' ') + 1);
                    long spent = thread.getValue() - threadNanos.getOrDefault(thread.getKey(), 0L);
                    if (isCompiler(name)) {
                        compilerNanos += spent;
                    } else if (isCollector(name)) {
                        gcNanos += spent;
                    }
                }
                compiler = compilerNanos / 1e9;
                gc = gcNanos / 1e9;
            }
            double allocated = allocatedBytes < 0 || now.allocatedBytes < 0 ? Double.NaN : now.allocatedBytes - allocatedBytes;
            return new JvmCost((now.cpuNanos - cpuNanos) / 1e9, compiler, gc, (now.gcMillis - gcMillis) / 1e3, allocated);
        }
    }

    static Mark mark() {
        long cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
        long gc = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
        return new Mark(cpu, threadNanos(), gc, allocatedSoFar());
    }

    /**
     * Bytes every thread of this JVM allocated in the heap so far, ended threads included (HotSpot's
     * count), or -1 where the JVM does not count them. Unlike CPU, it hardly varies with the machine's
     * load: what the collector has to do grows with it.
     */
    private static long allocatedSoFar() {
        try {
            return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                    && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()
                    ? threads.getTotalThreadAllocatedBytes() : -1;
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    /** HotSpot's compiler threads: "C1 CompilerThread0", "C2 CompilerThread1" (Linux keeps 15 characters of a name). */
    static boolean isCompiler(String threadName) {
        return threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler");
    }

    /** G1's and the other collectors' threads: "GC Thread#0", "G1 Conc#0", "G1 Refine#0", "G1 Main Marker", "G1 Service". */
    static boolean isCollector(String threadName) {
        return threadName.startsWith("GC Thread") || threadName.startsWith("G1 ");
    }

    /** "tid name" → CPU nanoseconds of every live thread of this process, or null without /proc. */
    private static Map<String, Long> threadNanos() {
        if (!Files.isDirectory(TASKS)) {
            return null;
        }
        Map<String, Long> nanos = new HashMap<>();
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                    String schedstat = Files.readString(task.resolve("schedstat"), StandardCharsets.UTF_8);
                    nanos.put(task.getFileName() + " " + name, Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the read, or the kernel keeps no schedstat
                }
            }
        } catch (IOException e) {
            return null;
        }
        return nanos.isEmpty() ? null : nanos;
    }
}
