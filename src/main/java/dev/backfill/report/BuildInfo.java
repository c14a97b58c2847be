package dev.backfill.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and commit this build was made from (Maven fills them in; a build outside git has no commit). */
public record BuildInfo(String version, String commit, boolean dirty) {
    private static final BuildInfo CURRENT = read();

    public static BuildInfo current() {
        return CURRENT;
    }

    /** "0.1.0-SNAPSHOT (commit f1a0d28)", with "+ local changes" when built from a changed checkout. */
    public String describe() {
        String built = commit == null ? "commit unknown" : "commit " + commit + (dirty ? " + local changes" : "");
        return (version == null ? "development build" : version) + " (" + built + ")";
    }

    private static BuildInfo read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/backfill/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // no version file: a development build
        }
        return new BuildInfo(filled(properties.getProperty("version")), filled(properties.getProperty("commit")),
                "true".equals(properties.getProperty("dirty")));
    }

    /** A value Maven filled in, or null (absent, empty, or still the ${...} placeholder). */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? null : value.strip();
    }
}
