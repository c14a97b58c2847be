package dev.backfill.ui.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What the workbench needs from the desktop before JavaFX is touched: on Linux, GTK 3 and a display.
 * Without them JavaFX dies with a stack trace; this says what is missing and how to get it instead.
 * Reads no JavaFX class, so it runs where JavaFX cannot.
 */
public final class DesktopCheck {
    /** Folders to look for GTK in, instead of the system's (path-separated): lets a test play a machine without GTK. */
    public static final String LIBRARY_DIRS_PROPERTY = "backfill.desktop.library.dirs";
    static final String GTK = "libgtk-3.so.0";
    private static final List<String> STANDARD_DIRS = List.of("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu");

    private DesktopCheck() {}

    /** The check for this JVM: its OS, environment and system properties, and the dynamic linker's folders. */
    public static Optional<String> problem() {
        return problem(System.getProperty("os.name", ""), System.getenv(), System::getProperty, DesktopCheck::libraryDirs);
    }

    /**
     * Empty when the workbench can start; otherwise the message for the operator.
     *
     * @param libraryDirs the folders the dynamic linker searches, given the environment and properties
     */
    static Optional<String> problem(String osName, Map<String, String> environment, Function<String, String> properties,
                                    Function<Map<String, String>, List<Path>> libraryDirs) {
        // Monocle renders without GTK or a display (the headless UI tests); other systems bring their own toolkit.
        if ("Monocle".equalsIgnoreCase(properties.apply("glass.platform"))
                || !osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Optional.empty();
        }
        List<String> missing = new ArrayList<>();
        String dirsOverride = properties.apply(LIBRARY_DIRS_PROPERTY);
        List<Path> dirs = dirsOverride != null ? split(dirsOverride) : libraryDirs.apply(environment);
        if (dirs.stream().noneMatch(dir -> Files.exists(dir.resolve(GTK)))) {
            missing.add("GTK 3 (" + GTK + "), which JavaFX needs on Linux, is not installed. Install it with"
                    + " 'sudo apt-get install libgtk-3-0' (Debian, Ubuntu) or 'sudo dnf install gtk3' (Fedora).");
        }
        if (blank(environment.get("DISPLAY")) && blank(environment.get("WAYLAND_DISPLAY"))) {
            missing.add("There is no display: neither DISPLAY nor WAYLAND_DISPLAY is set. Start it from a desktop session,"
                    + " or over SSH with X forwarding (ssh -X).");
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder message = new StringBuilder("The workbench (the desktop UI) cannot start here:");
        missing.forEach(line -> message.append(System.lineSeparator()).append("  - ").append(line));
        message.append(System.lineSeparator()).append("The command line works without either: run 'bin/backfill --help'"
                + " (or java -jar backfill-workbench-*-all.jar --help), e.g. 'bin/backfill demo', then 'bin/backfill dry-run demo/parts.plan.yaml'.");
        return Optional.of(message.toString());
    }

    /** LD_LIBRARY_PATH, the folders of /etc/ld.so.conf and its includes, and the usual system folders. */
    static List<Path> libraryDirs(Map<String, String> environment) {
        Set<Path> dirs = new LinkedHashSet<>();
        String ldPath = environment.get("LD_LIBRARY_PATH");
        if (!blank(ldPath)) {
            dirs.addAll(split(ldPath));
        }
        dirs.addAll(ldSoConf(Path.of("/etc/ld.so.conf")));
        STANDARD_DIRS.forEach(dir -> dirs.add(Path.of(dir)));
        return List.copyOf(dirs);
    }

    /** The folders an ld.so.conf names; "include" lines are followed one level (Debian and Fedora include ld.so.conf.d/*.conf). */
    private static List<Path> ldSoConf(Path file) {
        List<Path> dirs = new ArrayList<>();
        for (String line : lines(file)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("include ")) {
                String pattern = trimmed.substring("include ".length()).strip();
                Path included = Path.of(pattern);
                Path folder = included.getParent() == null ? Path.of("/etc") : included.getParent();
                String glob = included.getFileName().toString();
                try (Stream<Path> files = Files.list(folder)) {
                    files.filter(f -> f.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName()))
                            .sorted()
                            .forEach(f -> lines(f).stream().map(String::strip)
                                    .filter(l -> l.startsWith("/")).forEach(l -> dirs.add(Path.of(l))));
                } catch (IOException | RuntimeException e) {
                    // an unreadable include only narrows the search; the standard folders are still looked at
                }
            } else if (trimmed.startsWith("/")) {
                dirs.add(Path.of(trimmed));
            }
        }
        return dirs;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static List<Path> split(String pathList) {
        List<Path> dirs = new ArrayList<>();
        for (String part : pathList.split(java.io.File.pathSeparator)) {
            if (!part.isBlank()) {
                dirs.add(Path.of(part.strip()));
            }
        }
        return dirs;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
