package dev.backfill.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.prefs.BackingStoreException;

/** What the workbench remembers between runs: recent plans and the window's place and size. Never a password. */
public final class Preferences {
    private static final int RECENT = 8;
    private final java.util.prefs.Preferences node;

    public Preferences(String nodeName) {
        this.node = java.util.prefs.Preferences.userRoot().node(nodeName);
    }

    public static Preferences standard() {
        return new Preferences("dev/backfill/workbench");
    }

    public List<Path> recentPlans() {
        List<Path> plans = new ArrayList<>();
        for (int i = 0; i < RECENT; i++) {
            String value = node.get("recent." + i, null);
            if (value != null && Files.exists(Path.of(value))) {
                plans.add(Path.of(value));
            }
        }
        return plans;
    }

    public void rememberPlan(Path plan) {
        List<Path> plans = new ArrayList<>(recentPlans());
        Path absolute = plan.toAbsolutePath().normalize();
        plans.remove(absolute);
        plans.add(0, absolute);
        for (int i = 0; i < RECENT; i++) {
            if (i < plans.size()) {
                node.put("recent." + i, plans.get(i).toString());
            } else {
                node.remove("recent." + i);
            }
        }
        flush();
    }

    /** x, y, width, height, or null the first time. */
    public double[] windowBounds() {
        double width = node.getDouble("window.width", -1);
        return width <= 0 ? null : new double[] {node.getDouble("window.x", 0), node.getDouble("window.y", 0), width,
                node.getDouble("window.height", 800)};
    }

    public void rememberWindow(double x, double y, double width, double height, boolean maximized) {
        node.putDouble("window.x", x);
        node.putDouble("window.y", y);
        node.putDouble("window.width", width);
        node.putDouble("window.height", height);
        node.putBoolean("window.maximized", maximized);
        flush();
    }

    public boolean windowMaximized() {
        return node.getBoolean("window.maximized", false);
    }



    public void flush() {
        try {
            node.flush();
        } catch (BackingStoreException e) {
            // preferences are a convenience; losing them loses nothing important
        }
    }

    /** For tests: forget everything. */
    public void clear() {
        try {
            node.clear();
        } catch (BackingStoreException e) {
            // ignored for the same reason
        }
    }
}
