package dev.backfill.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU seconds the embedded PostgreSQL spent, read from Linux's /proc: the postmaster's own time, the
 * time of the backends it has reaped (its children's), and the time of the backends alive now.
 * Elsewhere (no /proc) it reports nothing rather than a made-up number.
 */
final class PostgresCpu {
    private final long postmaster;
    private final double ticksPerSecond;

    private PostgresCpu(long postmaster) {
        this.postmaster = postmaster;
        this.ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture the JDK runs on
    }

    /** The server of this data folder, if it runs on this machine and /proc can be read. */
    static PostgresCpu of(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            long pid = Long.parseLong(lines.get(0).trim());
            return Files.isReadable(Path.of("/proc", Long.toString(pid), "stat")) ? new PostgresCpu(pid) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** CPU seconds so far: the postmaster with its reaped children, plus its live children. */
    double seconds() {
        long ticks = 0;
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : (Iterable<Path>) processes::iterator) {
                String name = process.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long[] stat = stat(process);
                if (stat == null) {
                    continue;
                }
                if (Long.parseLong(name) == postmaster) {
                    ticks += stat[1] + stat[2] + stat[3] + stat[4];
                } else if (stat[0] == postmaster) {
                    ticks += stat[1] + stat[2];
                }
            }
        } catch (IOException e) {
            return Double.NaN;
        }
        return ticks / ticksPerSecond;
    }

    /** {ppid, utime, stime, cutime, cstime} of one process, or null if it ended meanwhile. */
    private static long[] stat(Path process) {
        try {
            String text = Files.readString(process.resolve("stat"), StandardCharsets.US_ASCII);
            // the command name may hold spaces and parentheses: the fields start after the last ')'
            String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[11]), Long.parseLong(fields[12]),
                    Long.parseLong(fields[13]), Long.parseLong(fields[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
