package dev.backfill.ui.common;

import java.util.Locale;
import javafx.scene.control.Label;

/** A state shown with its word and a colour, never colour alone (OK, MISMATCH, PENDING, APPLIED…). */
public final class StatusBadge {
    public static final String STYLE = "status-badge";

    private StatusBadge() {}

    public static Label of(String text) {
        Label label = new Label();
        apply(label, text);
        return label;
    }

    /** Sets the badge's word and its colour class ({@code status-ok}, {@code status-mismatch}, …). */
    public static void apply(Label label, String text) {
        label.getStyleClass().removeIf(style -> style.startsWith("status-"));
        label.getStyleClass().add(STYLE);
        if (text == null || text.isEmpty()) {
            label.setText("");
            return;
        }
        label.setText(text.replace('_', ' '));
        label.getStyleClass().add(styleFor(text));
    }

    public static String styleFor(String text) {
        String key = text.toLowerCase(Locale.ROOT);
        return switch (key) {
            case "ok", "applied", "migrated", "connected" -> "status-ok";
            case "mismatch", "failed", "source_changed", "target_changed", "held_back" -> "status-mismatch";
            case "approved", "applying" -> "status-active";
            default -> "status-pending";
        };
    }
}
