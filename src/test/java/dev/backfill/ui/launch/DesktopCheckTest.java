package dev.backfill.ui.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whether the workbench can start on this desktop, decided before JavaFX is loaded. */
class DesktopCheckTest {
    @TempDir
    Path libs;

    private Optional<String> check(String os, Map<String, String> environment, Map<String, String> properties) {
        return DesktopCheck.problem(os, environment, properties::get, env -> List.of(libs));
    }

    private void installGtk() throws Exception {
        Files.writeString(libs.resolve(DesktopCheck.GTK), "");
    }

    @Test
    void linuxWithGtkAndADisplayStarts() throws Exception {
        installGtk();

        assertThat(check("Linux", Map.of("DISPLAY", ":0"), Map.of())).isEmpty();
        assertThat(check("Linux", Map.of("WAYLAND_DISPLAY", "wayland-0"), Map.of())).isEmpty();
    }

    @Test
    void withoutGtkTheMessageNamesThePackagesAndTheCommandLine() {
        Optional<String> problem = check("Linux", Map.of("DISPLAY", ":0"), Map.of());

        assertThat(problem).hasValueSatisfying(message -> assertThat(message)
                .contains("GTK 3 (libgtk-3.so.0)", "sudo apt-get install libgtk-3-0", "sudo dnf install gtk3",
                        "The command line works without either", "bin/backfill --help")
                .doesNotContain("DISPLAY nor"));
    }

    @Test
    void withoutADisplayTheMessageSaysSo() throws Exception {
        installGtk();

        assertThat(check("Linux", Map.of("DISPLAY", " "), Map.of())).hasValueSatisfying(message -> assertThat(message)
                .contains("neither DISPLAY nor WAYLAND_DISPLAY is set", "bin/backfill --help").doesNotContain("libgtk-3-0"));
    }

    @Test
    void monocleAndOtherSystemsAreNotChecked() {
        assertThat(check("Linux", Map.of(), Map.of("glass.platform", "Monocle"))).isEmpty();
        assertThat(check("Mac OS X", Map.of(), Map.of())).isEmpty();
        assertThat(check("Windows 11", Map.of(), Map.of())).isEmpty();
    }

    @Test
    void thePropertyReplacesTheFoldersSearchedForGtk() throws Exception {
        installGtk();

        assertThat(check("Linux", Map.of("DISPLAY", ":0"), Map.of(DesktopCheck.LIBRARY_DIRS_PROPERTY, libs.resolve("none").toString())))
                .isPresent();
    }

    @Test
    void theLinkerFoldersIncludeLdLibraryPathFirst() {
        assertThat(DesktopCheck.libraryDirs(Map.of("LD_LIBRARY_PATH", "/opt/gtk/lib:/opt/other")))
                .startsWith(Path.of("/opt/gtk/lib"), Path.of("/opt/other"))
                .contains(Path.of("/usr/lib/x86_64-linux-gnu"));
    }
}
