package dev.backfill.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * What a phase cost this JVM: CPU seconds of the whole process, of which the JIT compiler's and
 * the collectors' pauses. On a small machine these compete with PostgreSQL for the same cores.
 */
record JvmCost(double processCpuSeconds, double compileSeconds, double gcPauseSeconds) {

    record Mark(long cpuNanos, long compileMillis, long gcMillis) {
        JvmCost since() {
            Mark now = mark();
            return new JvmCost((now.cpuNanos - cpuNanos) / 1e9, (now.compileMillis - compileMillis) / 1e3,
                    (now.gcMillis - gcMillis) / 1e3);
        }
    }

    static Mark mark() {
        long cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
        var compiler = ManagementFactory.getCompilationMXBean();
        long compile = compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler.getTotalCompilationTime() : 0;
        long gc = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
        return new Mark(cpu, compile, gc);
    }
}
