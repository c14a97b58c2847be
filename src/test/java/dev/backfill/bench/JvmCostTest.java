package dev.backfill.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JvmCostTest {

    @Test
    void sortsHotSpotsThreadsIntoCompilerAndCollector() {
        assertThat(JvmCost.isCompiler("C2 CompilerThre")).isTrue();
        assertThat(JvmCost.isCompiler("C1 CompilerThre")).isTrue();
        assertThat(JvmCost.isCollector("GC Thread#1")).isTrue();
        assertThat(JvmCost.isCollector("G1 Conc#0")).isTrue();
        assertThat(JvmCost.isCompiler("backfill-apply-")).isFalse();
        assertThat(JvmCost.isCollector("backfill-apply-")).isFalse();
        assertThat(JvmCost.isCollector("main")).isFalse();
    }

    @Test
    void countsTheBytesAllocatedMeanwhileInEveryThreadEvenOnesThatEnded() throws Exception {
        JvmCost.Mark mark = JvmCost.mark();
        Thread thread = new Thread(() -> {
            List<byte[]> garbage = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                garbage.add(new byte[10_000]);
            }
            assertThat(garbage).hasSize(1_000);
        });
        thread.start();
        thread.join();
        assertThat(thread.isAlive()).isFalse();
        assertThat(mark.since().allocatedBytes()).as("10 MB in a thread that has ended").isGreaterThanOrEqualTo(10_000_000);
    }

    @Test
    void measuresTheCollectorThreadsCpuWhereProcCanBeRead() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        assumeTrue(ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(gc -> gc.getName().startsWith("G1")), "G1 only");
        JvmCost.Mark mark = JvmCost.mark();
        List<byte[]> kept = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 2_000; i++) {
                kept.add(new byte[4096]);
            }
            System.gc();
        }
        JvmCost cost = mark.since();
        assertThat(kept).hasSize(10_000);
        assertThat(cost.gcCpuSeconds()).as("five full collections of 40 MB ran on the collector's threads").isPositive();
        assertThat(cost.compilerCpuSeconds()).isNotNaN().isGreaterThanOrEqualTo(0);
        assertThat(cost.gcCpuSeconds() + cost.compilerCpuSeconds()).isLessThanOrEqualTo(cost.processCpuSeconds() + 0.05);
    }
}
