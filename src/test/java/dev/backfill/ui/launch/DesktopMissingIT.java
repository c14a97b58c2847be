package dev.backfill.ui.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.cli.ExitCodes;
import dev.backfill.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar started without arguments (the workbench) on a Linux machine without GTK 3 or a display says
 * what is missing and how to install it, and exits non-zero, instead of dying in JavaFX with a stack trace.
 */
class DesktopMissingIT {
    @TempDir
    Path folder;

    @Test
    void withoutGtkAndWithoutADisplayTheWorkbenchExplainsAndExits() throws Exception {
        Path noLibraries = Files.createDirectory(folder.resolve("no-gtk-here"));

        // an environment without DISPLAY or WAYLAND_DISPLAY, and GTK looked for only where it is not
        try (Cli cli = Cli.start(folder, "workbench", List.of("-D" + DesktopCheck.LIBRARY_DIRS_PROPERTY + "=" + noLibraries),
                Map.of("LANG", "C.UTF-8"))) {
            int exit = cli.exitCode(60);

            assertThat(exit).as(cli.err()).isEqualTo(ExitCodes.FAILED);
            assertThat(cli.err()).contains("The workbench (the desktop UI) cannot start here:",
                    "GTK 3 (libgtk-3.so.0), which JavaFX needs on Linux, is not installed",
                    "'sudo apt-get install libgtk-3-0' (Debian, Ubuntu)", "'sudo dnf install gtk3' (Fedora)",
                    "neither DISPLAY nor WAYLAND_DISPLAY is set", "The command line works without either: run 'bin/backfill --help'");
            assertThat(cli.err()).doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void aDisplayThatCannotBeOpenedIsExplainedToo() throws Exception {
        // GTK "found" (an empty stand-in passes the check), a display that is set but not there: JavaFX itself refuses
        Path fakeGtk = Files.createDirectory(folder.resolve("gtk"));
        Files.writeString(fakeGtk.resolve("libgtk-3.so.0"), "");

        try (Cli cli = Cli.start(folder, "workbench-display", List.of("-D" + DesktopCheck.LIBRARY_DIRS_PROPERTY + "=" + fakeGtk),
                Map.of("LANG", "C.UTF-8", "DISPLAY", ":4242"))) {
            int exit = cli.exitCode(60);

            assertThat(exit).as(cli.err()).isEqualTo(ExitCodes.FAILED);
            assertThat(cli.err()).contains("The workbench (the desktop UI) cannot start here: JavaFX says",
                    "DISPLAY=:4242", "libgtk-3-0", "gtk3", "The command line works without a display: run 'bin/backfill --help'");
            assertThat(cli.err()).doesNotContain("Exception", "\tat ");
        }
    }
}
